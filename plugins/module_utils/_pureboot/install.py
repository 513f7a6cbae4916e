# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Queueing a node's install and waiting for it: pureboot_vm's pureboot_node.install, reinstall and wait_for.

Registering a node installs nothing: PureBoot answers the PXE boot of a `discovered` node with "boot from the local
disk". A node is installed when it is `pending` with a workflow (the next PXE boot gets the workflow's install script)
and its installer reports `install_started` and `install_complete` through /api/v1/report. So queueing is a state
change through PATCH /nodes/{id}/state, exactly as PureBoot's state machine allows it (docs/provisioning.md):

- discovered, install_failed, reprovision -> pending (install_failed only while fewer than 3 attempts are used:
  PureBoot refuses it after that unless the change is forced, and forcing resets the attempts);
- installed, active -> reprovision -> pending, for a reinstall only (active -> pending is refused);
- pending, installing, cloning_target: already on the way to installed: nothing to do;
- migrating, serving_source: an installed machine busy with something else: nothing for install, refused for a
  reinstall until it is active again; deprovisioning and retired: refused.

Planning (plan_install) is pure, like the rest of the link: it serves check mode and the real run alike, and every
refusal is one line before any write. apply_install_plan sends the state changes; await_node_state polls the node
with a growing interval until it reaches the awaited state, fails at install_failed, or times out, and says which
states it saw.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, TaskFailedError, TimeoutError_, plain_line
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import node_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import WAIT_STATES

MAX_NODE_WAIT_TIMEOUT = 7 * 24 * 3600
# PureBoot refuses install_failed -> pending once a node has used this many install attempts, unless forced.
MAX_INSTALL_ATTEMPTS = 3

QUEUE_STATES = ('discovered', 'install_failed', 'reprovision')
ON_THE_WAY_STATES = ('pending', 'installing', 'cloning_target')
INSTALLED_STATES = ('installed', 'active')
BUSY_INSTALLED_STATES = ('migrating', 'serving_source')
PENDING = 'pending'
REPROVISION = 'reprovision'
INSTALL_FAILED = 'install_failed'
RETIRED = 'retired'
QUEUE_COMMENT = 'install queued by pureboot.hypervisors'
REINSTALL_COMMENT = 'reinstall queued by pureboot.hypervisors'
# How often a wait looks at the node: soon at first (a queued node is often picked up at the VM's first boot),
# then less often, up to every 10 s (an install takes minutes).
POLL_INTERVAL = 1.0
MAX_POLL_INTERVAL = 10.0
# The installer's error text comes through /api/v1/report, which needs no login: shown cut, on one line.
ERROR_TEXT_LIMIT = 200


def check_install_options(options, vm_state, subject):
    """The install options (pureboot_node with defaults) checked against each other and the VM's state, before any
    request; InvalidInputError in one line otherwise."""
    queues = options['install'] or options['reinstall']
    which = 'reinstall' if options['reinstall'] and not options['install'] else 'install'
    if queues and not options['register']:
        raise InvalidInputError(
            'pureboot_node.{0} needs pureboot_node.register: true (the node it queues is the one the module registers and keeps in line)'.format(which),
            subject=subject,
        )
    if queues and not options['workflow_id']:
        raise InvalidInputError(
            'pureboot_node.{0} needs pureboot_node.workflow_id: PureBoot installs a node with '
            'its workflow, and answers a pending node without one with a "no workflow" '
            'script'.format(which),
            subject=subject,
        )
    if options['force_install'] and not queues:
        raise InvalidInputError('pureboot_node.force_install only applies with pureboot_node.install or pureboot_node.reinstall', subject=subject)
    # Checked whether or not wait_for uses it: a value no run could take is a mistake either way.
    if not 1 <= options['wait_timeout'] <= MAX_NODE_WAIT_TIMEOUT:
        raise InvalidInputError(
            'pureboot_node.wait_timeout must be between 1 and {0} seconds, got {1}'.format(MAX_NODE_WAIT_TIMEOUT, options['wait_timeout']), subject=subject
        )
    if options['wait_for'] is not None:
        if options['wait_for'] not in WAIT_STATES:
            raise InvalidInputError('pureboot_node.wait_for must be one of {0}, got {1}'.format(', '.join(WAIT_STATES), options['wait_for']), subject=subject)
        if vm_state not in ('running', 'restarted'):
            raise InvalidInputError(
                'pureboot_node.wait_for needs state: running (or restarted): a VM left {0} never boots into its '
                'install, so its node would never become {1}'.format('stopped' if vm_state in ('present', 'stopped') else vm_state, options['wait_for']),
                subject=subject,
            )


def _attempts_text(attempts, last_error):
    text = '{0} of {1} install attempts used'.format(attempts or 0, MAX_INSTALL_ATTEMPTS)
    if last_error:
        text += ', last error: {0!r}'.format(plain_line(last_error, ERROR_TEXT_LIMIT))
    return text


@dataclass(frozen=True)
class InstallPlan:
    """What to do to queue one node's install (made by plan_install, never changed afterwards).

    transitions: the states the node is moved to, in order (empty: nothing to send); force: the changes are
    forced (an install_failed node that used its attempts, with force_install); from_state the node's state when
    planned; why: what the plan comes down to, in words, for the result.
    """

    subject: str
    from_state: str
    transitions: tuple = ()
    force: bool = False
    why: str = ''

    @property
    def changed(self):
        return bool(self.transitions)

    @property
    def to_state(self):
        return self.transitions[-1] if self.transitions else self.from_state

    def result(self):
        """The `pureboot_install` result key."""
        return {'queued': self.changed, 'from_state': self.from_state, 'transitions': list(self.transitions), 'forced': self.force, 'why': self.why}


def plan_install(node, options):
    """The InstallPlan for node (its record, or the record a node plan predicts) under the install options. Pure.

    None when neither install nor reinstall is asked. InvalidInputError (one line) when PureBoot's state machine
    cannot do what is asked: an install_failed node with its attempts used (unless force_install), a reinstall of a
    node busy migrating, a node being deprovisioned or retired.
    """
    if not (options.get('install') or options.get('reinstall')):
        return None
    subject = node_subject(node)
    state = node.get('state')
    reinstall = bool(options.get('reinstall'))
    if state in QUEUE_STATES:
        force = False
        if state == INSTALL_FAILED and (node.get('install_attempts') or 0) >= MAX_INSTALL_ATTEMPTS:
            if not options.get('force_install'):
                raise InvalidInputError(
                    'install_failed ({0}); PureBoot refuses to queue it again after {1} attempts unless forced: '
                    'fix the cause, then set pureboot_node.force_install: true to reset its attempts and '
                    'retry'.format(_attempts_text(node.get('install_attempts'), node.get('last_install_error')), MAX_INSTALL_ATTEMPTS),
                    subject=subject,
                )
            force = True
        why = 'queued from {0}{1}'.format(state, ' (forced: its attempts reset)' if force else '')
        return InstallPlan(subject=subject, from_state=state, transitions=(PENDING,), force=force, why=why)
    if state in ON_THE_WAY_STATES:
        return InstallPlan(subject=subject, from_state=state, why='already on its way: {0}'.format(state))
    if state in INSTALLED_STATES:
        if reinstall:
            return InstallPlan(
                subject=subject, from_state=state, transitions=(REPROVISION, PENDING), why='reinstall queued from {0} through reprovision'.format(state)
            )
        return InstallPlan(subject=subject, from_state=state, why='already installed: {0}'.format(state))
    if state in BUSY_INSTALLED_STATES and not reinstall:
        return InstallPlan(subject=subject, from_state=state, why='already installed: {0}'.format(state))
    raise InvalidInputError(
        'is {0}: PureBoot queues an install from {1} and a reinstall from {2} only{3}'.format(
            state, ', '.join(QUEUE_STATES), ', '.join(INSTALLED_STATES), ': wait until it is active again' if state in BUSY_INSTALLED_STATES else ''
        ),
        subject=subject,
    )


def predicted_node(node, plan):
    """The node as it is once plan is carried out (check mode): only its state differs."""
    if plan is None or not plan.changed:
        return node
    return dict(node, state=plan.to_state)


def apply_install_plan(client, plan, node_id):
    """Send the plan's state changes in order; returns the node afterwards (None when nothing was sent)."""
    node = None
    for state in plan.transitions:
        comment = REINSTALL_COMMENT if REPROVISION in plan.transitions else QUEUE_COMMENT
        node = client.set_node_state(node_id, state, comment=comment, force=plan.force)
    return node


def reached(state, wanted):
    """True when a node in state has got as far as wanted: installed also counts once the node is active."""
    if wanted == 'installed':
        return state in INSTALLED_STATES
    return state == wanted


def await_node_state(client, node, wanted, timeout, clock=time.monotonic, sleep=time.sleep):
    """Poll node (GET /nodes/{id}) until it reaches wanted (see reached); returns (node, wait report).

    The report is {'state': wanted, 'states_seen': [...], 'seconds': N}: each state seen once, in order. No request
    is sent when node has reached it already. install_failed (the installer's third failed attempt) fails as a
    TaskFailedError with the attempts and the last error, retired as a TaskFailedError; after timeout seconds a
    TimeoutError_ lists the states seen. Either error carries the report in its details.
    """
    started = clock()
    deadline = started + timeout
    seen = []
    interval = POLL_INTERVAL
    subject = node_subject(node)

    def report():
        return {'state': wanted, 'states_seen': list(seen), 'seconds': int(round(clock() - started))}

    while True:
        state = node.get('state')
        if not seen or seen[-1] != state:
            seen.append(state)
        if reached(state, wanted):
            return node, report()
        if state == INSTALL_FAILED:
            raise client.error(
                TaskFailedError,
                'the install failed while waiting for {0} ({1}); states seen: {2}'.format(
                    wanted, _attempts_text(node.get('install_attempts'), node.get('last_install_error')), ', '.join(seen)
                ),
                subject,
                details={'pureboot_wait': report()},
            )
        if state == RETIRED:
            raise client.error(
                TaskFailedError,
                'the node was retired while waiting for {0}; states seen: {1}'.format(wanted, ', '.join(seen)),
                subject,
                details={'pureboot_wait': report()},
            )
        left = deadline - clock()
        if left <= 0:
            raise client.error(
                TimeoutError_,
                'not {0} after {1}s; states seen: {2}'.format(wanted, int(round(timeout)), ', '.join(seen)),
                subject,
                details={'pureboot_wait': report()},
            )
        sleep(min(interval, left))
        interval = min(interval * 2, MAX_POLL_INTERVAL)
        node = client.get_node(node['id'])
