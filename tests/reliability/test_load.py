"""Load: many VMs created at once with `forks`, and the inventory plugin over thousands of VMs.

- forks: N hosts of one play (N forks) each create their VM with its PureBoot node at the same time. On
  Proxmox /cluster/nextid reserves nothing, so every create gets the same id from it; the driver spreads
  them over the free ids by name, so they rarely collide: each must end with its own id, each VM exactly
  once, each node registered exactly once, with at most MAX_CLONES_PER_VM clone requests per VM on average;
  in the stress run (100 VMs), the re-run of all N at once changes nothing.
- inventory: the hypervisor holds N VMs (half of them running, half with a PureBoot node); ansible-inventory
  must list every one, map each node, and say how long it took and how many requests it sent.
"""

import json
import time

import pytest
import yaml

from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import ansible_inventory
from ansible_collections.pureboot.hypervisors.tests.reliability.catalog import case_id
from ansible_collections.pureboot.hypervisors.tests.reliability.harness import STRESS, one_line, run_phases, scaled
from ansible_collections.pureboot.hypervisors.tests.reliability.scene import Scene

FORKS = scaled(20, 100)
# Clone requests per VM, on average, that N parallel creates may send on Proxmox (collisions included).
MAX_CLONES_PER_VM = 1.2
INVENTORY_VMS = scaled(1000, 5000)


def write_inventory(tmp_path, hosts):
    path = tmp_path / 'hosts.yml'
    path.write_text(yaml.safe_dump({'all': {'hosts': {host: {} for host in hosts}}}))
    return str(path)


@pytest.mark.parametrize('backend', BACKENDS, indirect=True)
def test_forks_create_distinct_vms_each_registered_once(backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'load')
    hosts = ['load-{0:02d}'.format(index) for index in range(1, FORKS + 1)]
    task = scene.vm_task('present', name='{{ inventory_hostname }}')
    # The re-run (all forks again, nothing to change) only in the stress run: it costs as much as the creates.
    first, second, run, phase1_seconds, phase2_seconds = run_phases(
        tmp_path, [task], [task] if STRESS else [], lambda first: None, inventory=write_inventory(tmp_path, hosts), args=['--forks', str(FORKS)], per_host=True
    )
    created, rerun = first['p1_0'], second.get('p2_0', {})
    problems = ['{0}: {1}'.format(host, one_line(created[host].get('msg'), 300)) for host in hosts if created[host].get('failed')]
    problems += ['{0}: the re-run changed it or failed'.format(host) for host in rerun if rerun[host].get('failed') or rerun[host].get('changed')]
    vms = [vm for vm in scene.all_vms() if vm['name'] in hosts]
    ids = [vm['id'] for vm in vms]
    if sorted(vm['name'] for vm in vms) != sorted(hosts):
        problems.append('VMs: {0}'.format(sorted(vm['name'] for vm in vms)))
    if len(set(ids)) != len(ids):
        problems.append('ids are shared: {0}'.format(sorted(ids)))
    registered = {}
    for mac, _status in scene.node_creates():
        registered[mac] = registered.get(mac, 0) + 1
    macs = [vm['nics'][0]['mac'] for vm in vms]
    problems += ['{0} registered {1} times'.format(mac, registered.get(mac, 0)) for mac in macs if registered.get(mac, 0) != 1]
    nodes = [n for n in pureboot_server.nodes if n['hostname'] in hosts]
    if len(nodes) != len(hosts):
        problems.append('{0} nodes for {1} VMs'.format(len(nodes), len(hosts)))
    creates = scene.create_requests()
    if len(creates) > MAX_CLONES_PER_VM * FORKS:
        problems.append('{0} create requests for {1} VMs: more than {2} per VM'.format(len(creates), FORKS, MAX_CLONES_PER_VM))
    record(
        case_id('load', backend.kind, 'forks'),
        'load',
        hypervisor=backend.kind,
        load='{0} VMs created (with their PureBoot nodes) by one play with forks: {0}'.format(FORKS),
        vms=len(vms),
        distinct_ids=len(set(ids)),
        nodes=len(nodes),
        create_requests=len(creates),
        phase1_s=round(phase1_seconds, 1),
        rerun_s=round(phase2_seconds, 1) if rerun else None,
        rerun_changed=sum(1 for host in rerun if rerun[host].get('changed')) if rerun else None,
        problems=problems,
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert not problems, '\n'.join(problems)


def seed_proxmox(pve, count):
    """count VMs over two nodes, every other one running; returns [(name, mac)]."""
    pve.max_requests = 10**7
    made = []
    for index in range(count):
        vmid = 1000 + index
        mac = 'BC:24:11:{0:02X}:{1:02X}:{2:02X}'.format(index >> 16 & 255, index >> 8 & 255, index & 255)
        name = 'inv-{0:05d}'.format(index)
        pve.add_vm(
            vmid,
            name,
            node=('pve1', 'pve2')[index % 2],
            status='running' if index % 2 else 'stopped',
            config={
                'cores': 2,
                'memory': 2048,
                'ostype': 'l26',
                'net0': 'virtio={0},bridge=vmbr0'.format(mac),
                'scsi0': 'local-lvm:vm-{0}-disk-0,size=8G'.format(vmid),
                'smbios1': 'uuid=00000000-0000-4000-8000-{0:012d}'.format(vmid),
            },
        )
        made.append((name, mac.lower()))
    return made


def seed_ovirt(engine, count):
    vms = engine.add_vms(count, ['Default'], template='debian12-tpl', prefix='inv-', status='down', running_every=2)
    return [(vm.name, vm.nics[0].obj.mac.address.lower()) for vm in vms]


@pytest.mark.timeout(900)
@pytest.mark.parametrize('backend', BACKENDS, indirect=True)
def test_inventory_over_thousands_of_vms(backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'inv')
    made = seed_proxmox(scene.pve, INVENTORY_VMS) if scene.pve is not None else seed_ovirt(scene.engine, INVENTORY_VMS)
    with_node = made[::2]
    for name, mac in with_node:
        pureboot_server.add_node(mac, hostname=name)
    source = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [scene.hv], 'pureboot': scene.pb}
    before = backend.request_count()
    started = time.monotonic()
    result = ansible_inventory(tmp_path, source, name='load.pureboot.yml', timeout=800, env={'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true'})
    seconds = time.monotonic() - started
    problems = []
    hostvars = {}
    if result.returncode != 0:
        problems.append(one_line(result.stderr, 2000))
    else:
        hostvars = json.loads(result.stdout)['_meta']['hostvars']
    names = {name for name, _mac in made}
    listed = names & set(hostvars)
    if len(listed) != len(names):
        problems.append('{0} of {1} VMs listed'.format(len(listed), len(names)))
    mapped = [name for name, _mac in with_node if (hostvars.get(name) or {}).get('pureboot_node')]
    if len(mapped) != len(with_node):
        problems.append('{0} of {1} nodes mapped'.format(len(mapped), len(with_node)))
    requests = backend.request_count() - before
    record(
        case_id('load', backend.kind, 'inventory'),
        'load',
        hypervisor=backend.kind,
        load='ansible-inventory over {0} VMs ({1} with a PureBoot node)'.format(len(made), len(with_node)),
        vms=len(listed),
        nodes=len(mapped),
        seconds=round(seconds, 1),
        requests=requests,
        problems=problems,
    )
    assert not problems, '\n'.join(problems)
