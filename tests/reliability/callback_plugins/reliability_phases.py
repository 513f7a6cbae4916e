# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback of the reliability suite: keeps the result of every task called p1_N / p2_N, writes phase1.json
when the first p2_ task is about to start (every host is done with phase 1 then), waits there until the test
creates the file `cleared` (it lifts the fault meanwhile), and writes phase2.json at the end.

Two tasks (copy, wait_for) per phase would do the same at a second a playbook; the suite runs dozens.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: reliability_phases
type: aggregate
short_description: Record the results of phase 1 and 2 of a reliability case, and pause between the phases
description:
  - Test helper of the pureboot.hypervisors reliability suite (tests/reliability/harness.py run_phases).
options: {}
"""

import json
import os
import time

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase

DIRECTORY = 'RELIABILITY_PHASES_DIR'
TIMEOUT = 'RELIABILITY_PHASES_TIMEOUT'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'reliability_phases'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = os.environ.get(DIRECTORY)
        self.results = {'p1': {}, 'p2': {}}
        self.paused = False

    # ------------------------------------------------------------ results
    def _keep(self, result, **status):
        """The result as the task registers it: Ansible adds failed/unreachable/skipped after the callback."""
        name = result._task.get_name()  # pylint: disable=protected-access
        phase = name.split('_', 1)[0]
        if phase in self.results:
            answer = dict(result._result, **status)  # pylint: disable=protected-access
            self.results[phase].setdefault(name, {})[result._host.get_name()] = answer  # pylint: disable=protected-access

    def v2_runner_on_ok(self, result):
        self._keep(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._keep(result, failed=True)

    def v2_runner_on_unreachable(self, result):
        self._keep(result, unreachable=True)

    def v2_runner_on_skipped(self, result):
        self._keep(result, skipped=True)

    # ------------------------------------------------------------ phases
    def _write(self, phase):
        path = os.path.join(self.directory, phase + '.json')
        with open(path + '.tmp', 'w') as out:
            json.dump(self.results['p' + phase[-1]], out, cls=AnsibleJSONEncoder)
        os.rename(path + '.tmp', path)

    def _pause(self):
        if self.paused or not self.directory:
            return
        self.paused = True
        self._write('phase1')
        deadline = time.monotonic() + float(os.environ.get(TIMEOUT, '600'))
        cleared = os.path.join(self.directory, 'cleared')
        while not os.path.exists(cleared) and time.monotonic() < deadline:
            time.sleep(0.02)

    def v2_playbook_on_task_start(self, task, is_conditional):
        if task.get_name().startswith('p2_'):
            self._pause()

    def v2_playbook_on_stats(self, stats):
        if not self.directory:
            return
        self._pause()
        self._write('phase2')
