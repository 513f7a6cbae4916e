# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""What pureboot_vm does, for any hypervisor type: bring one VM to the requested state.

One comparison of desired and current drives `changed`, check mode and --diff. In check mode only
read requests are sent; the record the VM would have is predicted from the same comparison.
"""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import diff_cloud_init, empty_settings, merged, normalize_cloud_init, redacted
from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import (
    HARDWARE_KEYS,
    apply_to_record,
    check_blank_spec,
    check_boot_order,
    vm_subject,
    with_pxe_boot,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ConflictError,
    HypervisorError,
    InvalidInputError,
    NotFoundError,
    TaskFailedError,
    TimeoutError_,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import describe_vm

PLACEMENT_KEYS = ('template', 'node', 'cluster', 'storage', 'pool', 'clone_mode')
# What --diff shows: where the VM is and how it runs, then its hardware as the record names it (the record's NICs
# are `nics` where the option says `networks`).
DIFF_KEYS = ('name', 'status', 'node', 'cluster') + tuple('nics' if key == 'networks' else key for key in HARDWARE_KEYS)
STATES = ('present', 'running', 'stopped', 'restarted', 'absent')
MAX_WAIT_TIMEOUT = 7 * 24 * 3600


def diff_view(vm):
    """The part of a record --diff shows."""
    return {key: vm.get(key) for key in DIFF_KEYS} if vm else {}


def vm_spec(params, current=None):
    """The desired hardware and placement from module parameters; pxe_boot puts network first.

    A VM to create without a template is blank (spec['template'] None): pxe_boot defaults to true for it, as it has
    nothing else to boot."""
    spec = {key: params.get(key) for key in HARDWARE_KEYS + PLACEMENT_KEYS}
    spec['name'] = params.get('name') or (current or {}).get('name')
    spec['template'] = params.get('template') or None
    pxe_boot = params.get('pxe_boot')
    if pxe_boot is None:
        pxe_boot = current is None and spec['template'] is None
    # Kept so a boot order pxe_boot made is blamed on pxe_boot, not on a boot_order the user never gave.
    spec['pxe_boot'] = bool(pxe_boot)
    if pxe_boot:
        spec['boot_order'] = with_pxe_boot(spec['boot_order'] or (current['boot_order'] if current else None))
    return spec


def refuse_template(driver, ref):
    """pureboot_vm never touches a template (removing one breaks its linked clones): one line when ref names one."""
    raise InvalidInputError('{0} is a template; pureboot_vm manages VMs (give it as template to make a VM from it)'.format(ref), hypervisor=driver.label)


def find_vm(driver, params):
    """The VM the parameters name (by id first), or None. An id that is a template's fails, in every state."""
    if params.get('id'):
        vm = driver.get_vm(vm_id=params['id'])
        # Some types find a template by id among their VMs (flagged), others keep templates apart.
        if (vm or {}).get('template') or (vm is None and any(str(t.get('id')) == str(params['id']) for t in driver.list_templates())):
            refuse_template(driver, params['id'])
        if vm and params.get('name') and vm['name'] != params['name']:
            raise InvalidInputError("id {0} is VM '{1}', not '{2}'".format(params['id'], vm['name'], params['name']), subject=describe_vm(params['name']))
        return vm
    vm = driver.get_vm(name=params['name'])
    if (vm or {}).get('template'):
        refuse_template(driver, "'{0}'".format(params['name']))
    return vm


def locate_vm(driver, params):
    """Check the options that need no request, log in, and find the VM the parameters name (None when absent)."""
    if not 1 <= params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        raise InvalidInputError(
            'wait_timeout must be between 1 and {0} seconds, got {1}'.format(MAX_WAIT_TIMEOUT, params['wait_timeout']), hypervisor=driver.label
        )
    if not params.get('name') and not params.get('id'):
        # name: "" passes Ansible's required_one_of; it names no VM.
        raise InvalidInputError("name is empty: give the VM's name (or its id)", hypervisor=driver.label)
    driver.open()
    return find_vm(driver, params)


def ensure_vm(driver, params, check_mode, current, power=True):
    """Bring the VM (current: its record, or None) to params['state']; returns the module result (changed, vm,
    diff, warnings). With power false the power step is left out (with_power makes it later)."""
    if params['state'] == 'absent':
        return ensure_absent(driver, current, params, check_mode)
    warnings = []
    # cloud_init is checked before the first write, reads included (a Proxmox user_data snippet's storage).
    cloud_init = normalize_cloud_init(params.get('cloud_init'), driver.label, describe_vm(params.get('name')))
    if cloud_init is not None:
        driver.refuse_cloud_init_upgrade(cloud_init, describe_vm(params.get('name')))
        driver.check_cloud_init(
            cloud_init, node=(current or {}).get('node') or params.get('node'), template=params.get('template'), subject=describe_vm(params.get('name'))
        )
    if current is None:
        vm = create(driver, params, check_mode)
        changed = True
    else:
        spec = vm_spec(params, current)
        driver.validate_spec(spec)
        changes = driver.diff_hardware(current, spec)
        check_boot_order(spec, apply_to_record(current, changes)['nics'], driver.label)
        if changes:
            # Whether a change waits for the next start rests on the status: read it where the lookup's may lag.
            current = driver.fresh_status(current)
        changed = bool(changes)
        # What waits for the next start is decided before the write, from the VM as it runs (check mode alike).
        cold = driver.cold_changes(current, changes) if changes else []
        if not changes:
            vm = current
        elif check_mode:
            vm = driver.predict_changes(current, changes)
        else:
            vm = driver.apply_changes(current, changes, params['wait_timeout'])
        if cold and params['state'] != 'restarted':
            warnings.append(
                '{0}: {1}: {2} changed while the VM runs; the change takes effect at its next start (state: restarted applies it now)'.format(
                    driver.label, vm_subject(current), ', '.join(cold)
                )
            )
    ci_result = None
    if cloud_init is not None:
        # Before the power step: a new VM that is started right away boots with its settings.
        ci_result = ensure_cloud_init(driver, vm, cloud_init, check_mode, current is None, params['wait_timeout'])
        changed = changed or ci_result['changed']
        warnings.extend(ci_result['warnings'])
    powered = False
    if power:
        vm, powered = ensure_power(driver, vm, params, check_mode)
    result = {'changed': changed or powered, 'vm': vm, 'diff': {'before': diff_view(current), 'after': diff_view(vm)}, 'warnings': warnings}
    if ci_result is not None:
        result['cloud_init'] = ci_result['after']
        if current is not None:
            result['diff']['before']['cloud_init'] = ci_result['before']
        result['diff']['after']['cloud_init'] = ci_result['after']
    return result


def ensure_cloud_init(driver, vm, desired, check_mode, new, timeout):
    """Bring the VM's cloud-init settings to desired (canonical): {'changed', 'before', 'after', 'warnings'}, before
    and after redacted (_cloud_init.redacted). In check mode a VM not made yet holds none; nothing is written."""
    if check_mode and vm.get('id') is None:
        current = empty_settings()
    else:
        current = driver.read_cloud_init(vm)
    change = diff_cloud_init(current, desired)
    if not change:
        return {'changed': False, 'before': redacted(current), 'after': redacted(current), 'warnings': []}
    if check_mode:
        after = merged(current, desired, change)
    else:
        after = driver.write_cloud_init(vm, desired, change, timeout)
    warnings = []
    if not new:
        what = ', '.join(change['keys'] + (['password'] if change['password'] else []))
        when = (
            'at its next boot'
            if driver.CLOUD_INIT_APPLIES == 'next_boot'
            else 'at its first boot only: a guest that has booted before keeps the settings it has'
        )
        warnings.append('{0}: {1}: cloud_init changed ({2}); the guest reads it {3}'.format(driver.label, vm_subject(vm), what, when))
    return {'changed': True, 'before': redacted(current), 'after': redacted(after), 'warnings': warnings}


def create(driver, params, check_mode):
    """Create the VM from its template (or blank, without one), or in check mode predict its record after the
    checks of the real run."""
    name = params.get('name')
    if not name:
        raise NotFoundError(
            'VM id {0} not found; to create a VM give its name (and template, or disks and networks for a blank VM)'.format(params['id']),
            hypervisor=driver.label,
        )
    if not params.get('template') and any(t.get('name') == name for t in driver.list_templates(name=name)):
        refuse_template(driver, "'{0}'".format(name))
    spec = dict(vm_spec(params), name=name)
    check_blank_spec(spec, driver.label)
    if not check_mode:
        return driver.create_vm(name, spec, params['wait_timeout'])
    # The checks of the real run, so check mode fails where it would, and the record the real run returns.
    return driver.predict_vm(spec, driver.preflight(spec))


def power_action(status, state, force):
    """(actions, settle) to bring a VM from status to state: the power actions to send in order, or a status to
    await. A decision table, no request."""
    if state == 'running':
        if status == 'running':
            return [], None
        return ([], 'running') if status == 'starting' else (['start'], None)
    if state == 'stopped':
        if status == 'stopped':
            return [], None
        if status == 'stopping' and not force:
            return [], 'stopped'
        return (['stop'] if force else ['shutdown']), None
    if state == 'restarted':
        if status == 'running':
            # A forced restart is a hard stop and a start: the guest gets no say.
            return (['stop', 'start'] if force else ['reboot']), None
        return ['start'], None
    return [], None


def ensure_power(driver, vm, params, check_mode, decided_again=False):
    """Send the power actions the state asks for; returns (record, changed).

    An action is sent on the status the lookup read; doing nothing, waiting, and check mode's prediction rest on
    the status read afresh (driver.fresh_status, a request only where the lookup's may lag). An action the
    hypervisor refuses because the VM is not in that status (status_changed) is decided again, once, on a fresh one.
    """
    actions, settle = power_action(vm['status'], params['state'], params.get('force'))
    if check_mode or settle or not actions:
        vm = driver.fresh_status(vm)
        actions, settle = power_action(vm['status'], params['state'], params.get('force'))
    if settle:
        if not check_mode and params['wait']:
            vm = driver.wait_for_status(vm, [settle], params['wait_timeout'])
        return vm, False
    if not actions:
        return vm, False
    if check_mode:
        return dict(vm, status='stopped' if actions[-1] in ('stop', 'shutdown') else 'running'), True
    for index, action in enumerate(actions):
        # Every action but the last must be over before the next one is sent.
        last = index == len(actions) - 1
        try:
            vm = graceful_power(driver, vm, action, params['wait_timeout'], wait=params['wait'] if last else True)
        except ConflictError as exc:
            if index or decided_again or not exc.details.get('status_changed'):
                raise
            return ensure_power(driver, driver.fresh_status(vm), params, check_mode, decided_again=True)
    return vm, True


def graceful_power(driver, vm, action, timeout, wait=True):
    """driver.power(); a shutdown the guest did not finish in time has still pressed its ACPI button: it fails in
    one line that says so, as a change (changed: true)."""
    try:
        return driver.power(vm, action, timeout, wait=wait)
    except (TimeoutError_, TaskFailedError) as exc:
        if action != 'shutdown':
            raise
        error = TimeoutError_(
            'the shutdown was sent (ACPI power button) and the VM still runs after {0}s; force: true stops it hard'.format(timeout),
            hypervisor=driver.label,
            subject=vm_subject(vm),
            details=dict(exc.details, cause=exc.message),
        )
        error.partial_result = {'changed': True, 'vm': vm}
        raise error


def with_power(driver, result, params, check_mode):
    """result (ensure_vm's, made with power false) after the power step params['state'] asks for."""
    vm, powered = ensure_power(driver, result['vm'], params, check_mode)
    if not powered and vm is result['vm']:
        return result
    return dict(result, vm=vm, changed=result['changed'] or powered, diff=dict(result['diff'], after=dict(result['diff']['after'], **diff_view(vm))))


def ensure_absent(driver, current, params, check_mode):
    """Stop (gracefully unless force) and remove the VM; returns the record it had as `vm`."""
    if current is None:
        return {'changed': False, 'vm': {}, 'diff': {'before': {}, 'after': {}}, 'warnings': []}
    if not check_mode:
        try:
            # On the status the lookup read; one that lagged makes the hypervisor refuse (status_changed): then
            # once more on a fresh one.
            remove_vm(driver, current, params)
        except ConflictError as exc:
            if not exc.details.get('status_changed'):
                raise
            remove_vm(driver, driver.fresh_status(current), params)
    return {'changed': True, 'vm': current, 'diff': {'before': diff_view(current), 'after': {}}, 'warnings': []}


def remove_vm(driver, vm, params):
    """Stop the VM (gracefully unless force) unless it is stopped, and remove it."""
    timeout = params['wait_timeout']
    if vm['status'] != 'stopped':
        vm = graceful_power(driver, vm, 'stop' if params.get('force') else 'shutdown', timeout)
    driver.delete_vm(vm, timeout, wait=params['wait'])


NO_NODE = {'changed': False, 'pureboot_node': None, 'diff': {'before': None, 'after': None}, 'warnings': []}


def ensure_vm_and_node(driver, client, params, check_mode):
    """pureboot_vm: the VM, and with PureBoot its node: after the VM, or before it on removal.

    When one step succeeded and the PureBoot step failed, the task fails with both facts: the message says what
    was done, and the result holds the VM's record. A re-run finds the VM and finishes the node.
    """
    current = locate_vm(driver, params)
    if client is None:
        return ensure_vm(driver, params, check_mode, current)
    # The node code only with PureBoot: a task without it neither loads nor compiles it (_pureboot/options.py).
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.link import await_vm_node, ensure_vm_node, retire_vm_node

    node_options = params.get('pureboot_node') or {}
    if params['state'] != 'absent':
        # PureBoot's preconditions (it answers, the login works, the group exists) before the VM is touched.
        node_options = checked_node_options(client, node_options, describe_vm(params.get('name')), params['state'])
    if params['state'] == 'absent':
        link = NO_NODE
        if current is not None:
            try:
                link = retire_vm_node(client, current, node_options, check_mode)
            except HypervisorError as exc:
                raise exc.after(
                    '{0} on {1} was left in place because PureBoot failed'.format(vm_subject(current), driver.label),
                    {'changed': False, 'vm': current, 'pureboot_node': None},
                )
        return with_node(ensure_vm(driver, params, check_mode, current), link)
    # The power step comes after the node step: a VM's first PXE boot finds its node registered and its install
    # queued, instead of registering itself as `discovered` and being sent to its (empty) disk.
    result = ensure_vm(driver, params, check_mode, current, power=False)
    vm = result['vm']
    if check_mode and not any(nic.get('mac') for nic in vm['nics']):
        result['warnings'].append('{0}: {1}: the PureBoot node is registered once the VM exists and has a MAC'.format(driver.label, describe_vm(vm['name'])))
        link = preview_node(client, vm, node_options)
    else:
        try:
            link = ensure_vm_node(client, vm, node_options, check_mode)
        except HypervisorError as exc:
            raise exc.after(
                '{0} is {1} on {2}, but PureBoot failed'.format(vm_subject(vm), vm['status'], driver.label),
                {'changed': result['changed'], 'vm': vm, 'pureboot_node': None},
            )
    result = with_power(driver, result, params, check_mode)
    try:
        link = await_vm_node(client, link, node_options, check_mode, describe_vm(vm['name']))
    except HypervisorError as exc:
        # What the node step did (an install queued before the wait failed) stays in the failed task's result.
        done = exc.partial_result
        raise exc.after(
            '{0} is {1} on {2}, but waiting for its PureBoot node failed'.format(vm_subject(vm), result['vm']['status'], driver.label),
            dict(done, changed=result['changed'] or done.get('changed', False), vm=result['vm']),
        )
    return with_node(result, link)


def with_node(result, link):
    """The module result of the VM step with the node step's merged in (changed, pureboot_node, diff, warnings)."""
    merged = dict(
        result,
        changed=result['changed'] or link['changed'],
        pureboot_node=link['pureboot_node'],
        warnings=list(result.get('warnings', [])) + list(link['warnings']),
    )
    for key in ('pureboot_install', 'pureboot_wait'):
        if link.get(key) is not None:
            merged[key] = link[key]
    node_diff = link.get('diff') or {}
    merged['diff'] = {
        'before': dict(result['diff']['before'], pureboot_node=node_diff.get('before')),
        'after': dict(result['diff']['after'], pureboot_node=node_diff.get('after')),
    }
    return merged


def checked_node_options(client, node_options, subject, vm_state='present'):
    """pureboot_node checked against PureBoot before the first write, reads only: the options are known and valid
    (the install ones against each other and the VM's state), the login works, and a group named by name exists
    (then given as its id, so it is not looked up twice).

    PureBoot's GET /workflows is broken (docs/pureboot-server.md), so a workflow_id cannot be checked: it is stored as given.
    """
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.install import check_install_options
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.link import (
        check_group_choice,
        desired_node,
        node_options_with_defaults,
        resolve_group_id,
    )

    options = node_options_with_defaults(node_options)
    check_install_options(options, vm_state, subject)
    if not options['register']:
        return node_options
    check_group_choice(options, subject)
    # The same rules the node gets later, on a stand-in VM: the arch and the tags are checked now.
    desired_node({'name': 'vm', 'nics': [{'mac': '00:00:00:00:00:00'}]}, dict(options, group=None, group_id=None))
    if options['group']:
        return dict(node_options, group=None, group_id=resolve_group_id(client, options['group']))
    # No group to look up: one read all the same, so a wrong URL or login fails before the VM is made.
    client.list_groups()
    return node_options


def preview_node(client, vm, node_options):
    """Check mode for a VM not made yet: the node PureBoot would get, its MAC unknown (the hypervisor assigns it)."""
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.link import (
        desired_node,
        node_options_with_defaults,
        plan_node,
        predict_install,
    )

    options = node_options_with_defaults(node_options)
    if not options['register'] or not vm['nics']:
        return dict(NO_NODE, changed=bool(options['register'] and vm['nics']))
    # desired_node wants a MAC: a stand-in, replaced by None in what is shown.
    stand_in = dict(vm, nics=[dict(vm['nics'][0], mac='00:00:00:00:00:00')] + list(vm['nics'][1:]))
    plan = plan_node(None, desired_node(stand_in, options, client))
    node, install = predict_install(dict(plan.after, mac_address=None), options)
    return dict(NO_NODE, changed=True, pureboot_node=node, diff={'before': plan.before, 'after': node}, pureboot_install=install)
