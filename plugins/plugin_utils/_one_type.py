# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The action of a module that has a twin per hypervisor type: run the twin of the task's type.

Ansible packs a module with every module_utils file its imports name, and a module for every type names every
type's driver (_drivers.py), so each task would pack, ship and compile code it does not use: about twice the code
of one type. A task that sets `hypervisor.type` to a known type runs `<module>_<type>` instead, the same module
carrying its one driver (docs/drivers.md, "One type's code per task").

Anything else runs the module itself: a task without `hypervisor.type` takes it from PUREBOOT_HV_TYPE in the
module's own environment, which only the module can read, and a type it does not know is the module's to refuse.
The choice is a lookup among fixed module names; no value of the task is made into a module name.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HYPERVISOR_TYPES


class OneTypeAction(ActionBase):
    """Runs MODULE's twin for the task's hypervisor type (MODULE itself when the task does not name a known type)."""

    MODULE = ''  # the module's FQCN, set by each action plugin
    _supports_check_mode = True
    _supports_async = True

    def module_for_task(self):
        """The FQCN of the module this task runs."""
        hypervisor = self._task.args.get('hypervisor')
        kind = hypervisor.get('type') if isinstance(hypervisor, Mapping) else None
        twins = {known: '{0}_{1}'.format(self.MODULE, known) for known in HYPERVISOR_TYPES}
        return twins.get(kind, self.MODULE) if isinstance(kind, str) else self.MODULE

    def _update_module_args(self, module_name, module_args, task_vars, *args, **kwargs):
        """As Ansible sets them, but the module's name as the task gave it: Ansible's own messages ("Unsupported
        parameters for (...) module") name the module the user wrote, not its twin."""
        super()._update_module_args(module_name, module_args, task_vars, *args, **kwargs)
        module_args['_ansible_module_name'] = self.MODULE

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_name=self.module_for_task(), task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            # The task's temporary directory, as ansible.builtin's own module action removes it.
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
