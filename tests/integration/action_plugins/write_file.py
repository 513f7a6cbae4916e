# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of the integration tests: write a task's templated `content` to `dest` on the controller.

The tests read what a play registered from a file. `ansible.builtin.copy` did that at about 3 CPU-seconds a task
(it runs the stat and copy modules, each through AnsiballZ), which, over the hundreds of plays the suite runs, was
a large share of `make test`. The content is templated by Ansible exactly as it was for copy (the task's arguments
are templated before any action runs), so what a test reads is what the play registered. `dest` is taken relative
to the controller's working directory, which with the local connection is where copy wrote it too. It writes in
check mode as well: the file is the test's record of the run, not a change the play makes.
"""

from __future__ import annotations

import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('content', 'dest'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dest = self._task.args.get('dest')
        if not dest or 'content' not in self._task.args:
            raise AnsibleActionFail('write_file needs content and dest')
        content = self._task.args['content']
        # Older cores may turn a templated JSON text back into a list or a dict: copy wrote those as JSON too.
        text = content if isinstance(content, str) else json.dumps(content)
        path = os.path.abspath(str(dest))
        descriptor = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, 'w') as out:
            out.write(text)
        os.replace(path + '.tmp', path)
        result.update(changed=True, dest=path)
        return result
