"""The faults the suite causes, on each hypervisor type and on PureBoot, with what the first run must answer.

Each fault is a function of the Scene: it sets up what the fault needs (a VM, a lock, a slow network), causes
the fault, and returns the Play: the task run under the fault (phase 1), how to lift the fault, the task of
the re-run (phase 2, the same task unless said), and what the first run must answer (an error category and
a part of its message, or success for faults the collection must ride out, like an expired login).
test_faults.py runs them all the same way and checks that the re-run converges.
"""

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend

FAULTS = []
OVIRT_VMS = '/ovirt-engine/api/vms'


class Fault:
    def __init__(self, function, kind, name, summary, category, marks):
        self.function = function
        # proxmox or ovirt; hypervisor: every type; pureboot: with the first hypervisor backend.
        self.kind = kind
        self.name = name
        self.summary = summary  # what is done to the server, for the docs
        self.category = category  # what phase 1 must answer; None: it must succeed
        # (fixture marker, options) pairs: fakepve's time scale, a token lifetime, ...
        self.marks = marks

    def case_id(self, backend):
        return 'fault/{0}/{1}'.format('pureboot-' + backend if self.kind == 'pureboot' else backend, self.name)


class Play:
    """What test_faults runs: phase1 (under the fault), lift(), phase2; and what phase 1 must say."""

    def __init__(self, phase1, lift, text=None, phase2=None, state='stopped', after_phase1=None, measure=None, verify=None):
        self.phase1 = phase1 if isinstance(phase1, list) else [phase1]
        self.lift = lift
        self.text = text
        self.phase2 = self.phase1 if phase2 is None else (phase2 if isinstance(phase2, list) else [phase2])
        self.state = state  # the VM's status once converged; None: the VM is gone
        self.after_phase1 = after_phase1
        self.measure = measure  # () -> dict of extra measured facts for the report
        self.verify = verify  # () -> problems once the re-run is over (an empty list when none)


def fault(kind, name, summary, category, marks=()):
    def register(function):
        FAULTS.append(Fault(function, kind, name, summary, category, list(marks)))
        return function

    return register


# ================================================================== every hypervisor type


@fault(
    'hypervisor',
    'lost_write_answer',
    'the connection drops after the hypervisor carried out a start, before '
    'its answer (a DropProxy loses exactly that answer): the start is read back (its task, the VM status)',
    None,
)
def lost_write_answer(scene):
    scene.create_vm()
    proxy = scene.through_proxy()
    proxy.lose_next('POST', '/start')

    def starts():
        return [e for e in proxy.reached_server() if e['method'] == 'POST' and e['path'].split('?')[0].endswith('/start')]

    def after_phase1(_results):
        # The hypervisor carried the start out once; a client that sends it again starts the VM twice.
        assert len(starts()) == 1, 'the start reached the hypervisor {0} times: {1}'.format(len(starts()), [(e['fate'], e['status']) for e in starts()])

    def verify():
        # The re-run finds the VM running: it sends no start at all.
        return [] if len(starts()) == 1 else ['{0} starts reached the hypervisor'.format(len(starts()))]

    return Play(
        scene.vm_task('running'), lambda: None, state='running', after_phase1=after_phase1, measure=lambda: {'starts_received': len(starts())}, verify=verify
    )


@fault('hypervisor', 'lock_timeout', 'the VM stays locked past wait_timeout (2 s): a backup lock on Proxmox, image_locked on oVirt', 'conflict')
def lock_timeout(scene):
    vm = scene.create_vm()
    scene.backend.lock(vm)
    return Play(
        scene.vm_task('running', wait_timeout=2),
        lambda: scene.backend.unlock(vm),
        text='still locked after 2s',
        phase2=scene.vm_task('running'),
        state='running',
    )


# ================================================================== Proxmox (fakepve's own fault injectors)


@fault('proxmox', 'lost_quorum', 'the cluster loses quorum (/etc/pve read-only) during a create', 'api')
def proxmox_lost_quorum(scene):
    scene.pve.lose_quorum()
    return Play(scene.vm_task(), scene.pve.regain_quorum, text='lost quorum')


@fault('proxmox', 'node_offline', 'the node the VM lives on goes offline (595) before a start', 'unreachable')
def proxmox_node_offline(scene):
    scene.create_vm(node='pve2')
    scene.pve.set_node_offline('pve2')
    return Play(
        scene.vm_task('running', node='pve2'), lambda: scene.pve.set_node_offline('pve2', offline=False), text="node 'pve2' is unreachable", state='running'
    )


@fault('proxmox', 'storage_full', 'the storage the clone goes to is full (1 GiB left)', 'task_failed')
def proxmox_storage_full(scene):
    scene.pve.storages[ProxmoxBackend.template_storage]['avail'] = 1 * 1024**3

    def lift():
        scene.pve.storages[ProxmoxBackend.template_storage].pop('avail', None)

    return Play(scene.vm_task(), lift, text='No space left on device')


@fault('proxmox', 'task_error', "the VM's start task ends in TASK ERROR (QEMU exits)", 'task_failed')
def proxmox_task_error(scene):
    vm = scene.create_vm()
    fake = scene.pve.vm(int(vm['id']))
    fake.start_error = 'QEMU exited with code 1'

    def lift():
        fake.start_error = None

    return Play(scene.vm_task('running'), lift, text='TASK ERROR: QEMU exited with code 1', state='running')


@fault('proxmox', 'ticket_expiry', 'the login ticket expires (1 s lifetime) while a 2 s start task runs', None, marks=(('fakepve', {'time_scale': 0.05}),))
def proxmox_ticket_expiry(scene):
    vm = scene.create_vm()
    scene.pve.vm(int(vm['id'])).start_secs = 40  # 2 s at this time scale
    scene.pve.ticket_ttl = 1
    logins_before = sum(1 for method, path, _body in scene.pve.requests if path.endswith('/access/ticket'))

    def lift():
        scene.pve.ticket_ttl = 7200

    def measure():
        logins = sum(1 for method, path, _body in scene.pve.requests if path.endswith('/access/ticket'))
        return {'logins': logins - logins_before}

    def after_phase1(_results):
        # One login for the module, at least one more when the ticket expired mid-task.
        assert measure()['logins'] >= 2, 'the ticket never had to be renewed'

    return Play(scene.vm_task('running'), lift, state='running', after_phase1=after_phase1, measure=measure)


@fault('proxmox', 'slow_network', 'every answer takes 1.5 s (timeout 1 s), then 0.05 s for the re-run', 'timeout', marks=(('fakepve', {'time_scale': 1.0}),))
def proxmox_slow_network(scene):
    scene.pve.slow_network(1.5)
    scene.hv = dict(scene.hv, timeout=1)
    return Play(scene.vm_task(), lambda: scene.pve.slow_network(0.05), text='no answer from')


# ================================================================== oVirt (the engine simulator)


def _host_status(scene, status):
    from ovirtsdk4 import types  # pylint: disable=import-outside-toplevel

    with scene.engine.state.lock:
        for host in scene.engine.state.hosts.values():
            host.obj.status = types.HostStatus(status)


@fault('ovirt', 'datacenter_down', "the data center is not up (oVirt's nearest to a lost quorum): the engine refuses to add VMs", 'conflict')
def ovirt_datacenter_down(scene):
    scene.engine.fail('POST', OVIRT_VMS, status=409, detail='[Cannot add VM. The relevant Data Center is not active.]')
    return Play(scene.vm_task(), scene.engine.clear_faults, text='Data Center is not active')


@fault('ovirt', 'hosts_offline', 'every host of the cluster is non-responsive before a start', 'conflict')
def ovirt_hosts_offline(scene):
    scene.create_vm()
    _host_status(scene, 'non_responsive')
    return Play(scene.vm_task('running'), lambda: _host_status(scene, 'up'), text='There are no available running Hosts', state='running')


@fault('ovirt', 'storage_full', 'the storage domain is out of space: the engine refuses the VM', 'conflict')
def ovirt_storage_full(scene):
    scene.engine.fail('POST', OVIRT_VMS, status=409, detail='[Cannot add VM. Low disk space on Storage Domain data.]')
    return Play(scene.vm_task(), scene.engine.clear_faults, text='Low disk space')


@fault('ovirt', 'task_error', 'the VM fails to start: it goes up to wait_for_launch, then down again', 'task_failed')
def ovirt_task_error(scene):
    vm = scene.create_vm()
    state = scene.engine.state
    original = state.vm_action

    def failing_start(entity, action, body):
        original(entity, action, body)
        if action == 'start' and entity.id == vm['id']:
            # What the engine shows when QEMU dies at launch: starting for a moment, then down.
            entity.pending = []
            state._schedule(entity, [('wait_for_launch', 0.6), ('down', 0)])  # pylint: disable=protected-access

    state.vm_action = failing_start

    def lift():
        state.vm_action = original

    return Play(scene.vm_task('running'), lift, text='went down while starting', state='running')


@fault('ovirt', 'token_expiry', 'the SSO token expires (1 s lifetime) while a 2 s start is awaited', None, marks=(('ovirt_engine', {'token_ttl': 1}),))
def ovirt_token_expiry(scene):
    scene.create_vm()
    scene.engine.set_delays(wait_for_launch=1.0, powering_up=1.0)
    logins_before = scene.engine.count_requests('POST', '/sso/oauth/token')

    def measure():
        return {'logins': scene.engine.count_requests('POST', '/sso/oauth/token') - logins_before}

    def after_phase1(_results):
        assert measure()['logins'] >= 2, 'the token never had to be renewed'

    return Play(scene.vm_task('running'), lambda: scene.engine.set_delays(0), state='running', after_phase1=after_phase1, measure=measure)


@fault('ovirt', 'slow_network', 'every answer takes 1.5 s (timeout 1 s), then 0.05 s for the re-run', 'timeout')
def ovirt_slow_network(scene):
    scene.engine.latency = 1.5
    scene.hv = dict(scene.hv, timeout=1)

    def lift():
        scene.engine.latency = 0.05

    return Play(scene.vm_task(), lift, text='no answer from')


# ================================================================== PureBoot (the contract double)


@fault('pureboot', '5xx_on_register', 'PureBoot answers 500 to every POST /nodes', 'api')
def pureboot_5xx_write(scene):
    scene.double.fail('POST', '/api/v1/nodes', status=500, detail='Internal Server Error', times=None)
    return Play(scene.vm_task(), scene.double.clear_faults, text='but PureBoot failed: server error 500')


@fault('pureboot', '5xx_on_read', 'PureBoot answers 503 twice to GET /nodes (a restarting proxy)', None)
def pureboot_5xx_read(scene):
    scene.double.fail('GET', '/api/v1/nodes', status=503, detail='Service Unavailable', times=2)

    def measure():
        refused = [e for e in scene.double.requests if e['path'] == '/api/v1/nodes' and e['status'] == 503]
        return {'refused_reads_retried': len(refused)}

    def after_phase1(_results):
        assert measure()['refused_reads_retried'] == 2, 'the 503s were not both sent and retried'

    return Play(scene.vm_task(), scene.double.clear_faults, after_phase1=after_phase1, measure=measure)


@fault('pureboot', '5xx_on_retire', 'PureBoot answers 503 to the retire (PATCH /nodes/{id}/state) of a VM being removed', 'api')
def pureboot_5xx_on_retire(scene):
    vm = scene.create_vm()
    scene.double.add_node(vm['nics'][0]['mac'], hostname=vm['name'], system_uuid=vm['uuid'])
    scene.double.fail('PATCH', '/state', status=503, detail='Service Unavailable', times=None)

    def after_phase1(_results):
        # The node is retired before the VM goes: with PureBoot failing, the VM must still be there.
        assert len(scene.vms()) == 1, 'the VM was removed though its node could not be retired'

    return Play(scene.vm_task('absent'), scene.double.clear_faults, text='was left in place because PureBoot failed', state=None, after_phase1=after_phase1)


@fault('pureboot', 'timeout', 'PureBoot takes 2 s to answer (timeout 1 s)', 'timeout')
def pureboot_timeout(scene):
    scene.double.slow(2)
    scene.pb = dict(scene.pb, timeout=1)
    return Play(scene.vm_task(), lambda: scene.double.slow(0), text='no answer from')


@fault(
    'pureboot', 'token_expiry', 'the JWT expires (1 s lifetime) in the middle of the task (every answer 0.15 s)', None, marks=(('pureboot', {'token_ttl': 1}),)
)
def pureboot_token_expiry(scene):
    scene.double.slow(0.15)
    scene.pb = {'url': scene.double.url, 'username': scene.double.username, 'password': scene.double.password, 'ca_file': scene.double.cafile}

    def logins():
        return sum(1 for e in scene.double.requests if e['path'] == '/api/v1/auth/login' and e['status'] == 200)

    def after_phase1(_results):
        assert logins() >= 2, 'the one-second token never had to be renewed'

    return Play(
        scene.vm_task(pureboot_node={'tags': ['a1', 'b2', 'c3'], 'workflow_id': 'wf-reliability'}),
        lambda: scene.double.slow(0),
        after_phase1=after_phase1,
        measure=lambda: {'logins': logins()},
    )
