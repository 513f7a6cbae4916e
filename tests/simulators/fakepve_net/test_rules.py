"""StrictPve refuses and stores what a real PVE does (rules.py), through proxmoxer as any client sees it."""

import urllib.parse

import proxmoxer
import pytest
from proxmoxer.core import ResourceException

from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net import rules

GiB = 1024**3
KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFvbrJp27j61SFSFX5U+fOy6FuWwbPy/A3l2xpfMOASD me@host'


@pytest.fixture
def api(fakepve, fakepve_cafile):
    fakepve.add_node('pve2')
    fakepve.storages['local-lvm']['volumes'] = {'base-9001-disk-0': {'content': 'images', 'format': 'raw', 'size': 4 * GiB, 'vmid': 9001}}
    fakepve.storages[rules.SHARED_STORAGE]['volumes'] = {'base-9000-disk-0': {'content': 'images', 'format': 'raw', 'size': 4 * GiB, 'vmid': 9000}}
    fakepve.add_vm(9000, 'shared-tpl', template=True, config={'template': 1, 'memory': 1024, 'scsi0': rules.SHARED_STORAGE + ':base-9000-disk-0,size=4G'})
    fakepve.add_vm(9001, 'local-tpl', template=True, config={'template': 1, 'memory': 1024, 'scsi0': 'local-lvm:base-9001-disk-0,size=4G'})
    return proxmoxer.ProxmoxAPI(
        host='127.0.0.1', port=int(fakepve.url.rsplit(':', 1)[1]), user='root@pam', password=fakepve.password, verify_ssl=fakepve_cafile
    )


def refused(call, status, text):
    with pytest.raises(ResourceException) as raised:
        call()
    assert raised.value.status_code == status and text in str(raised.value), str(raised.value)


def test_clone_to_another_node_needs_shared_storage(fakepve, api):
    refused(lambda: api.nodes('pve1').qemu(9001).clone.post(newid=101, target='pve2', full=1), 500, "can't clone VM to node 'pve2' (VM uses local storage)")
    assert fakepve.vm(101) is None
    api.nodes('pve1').qemu(9001).clone.post(newid=102, full=1)  # the same node: fine
    api.nodes('pve1').qemu(9000).clone.post(newid=103, target='pve2', full=1)
    assert fakepve.vm(103).node == 'pve2'


def test_task_list_shows_finished_tasks_unless_asked(fakepve, api):
    fakepve.time_scale = 0.01
    fakepve.vm(9000).shutdown_secs = 0
    api.nodes('pve1').qemu(9001).clone.post(newid=110, full=1)
    vm = fakepve.add_vm(111, 'running-one', status='running')
    vm.acpi = False  # a shutdown that runs until its timeout
    upid = api.nodes('pve1').qemu(111).status.shutdown.post(timeout=600)
    archive = api.nodes('pve1').tasks.get()
    assert upid not in [t['upid'] for t in archive] and [t['type'] for t in archive] == ['qmclone']
    active = api.nodes('pve1').tasks.get(source='active')
    assert [(t['upid'], t['status']) for t in active] == [(upid, 'RUNNING')]
    assert next(t['upid'] for t in api.nodes('pve1').tasks.get(source='all')) == upid


@pytest.mark.parametrize(
    'given, stored', [('line one\nline two\n', 'line one\nline two'), ('spaces  \t\n\n', 'spaces'), ('\n\nkept  inside \nend', '\n\nkept  inside \nend')]
)
def test_description_reads_back_as_pve_stores_it(fakepve, api, given, stored):
    api.nodes('pve1').qemu(9001).clone.post(newid=120, full=1)
    api.nodes('pve1').qemu(120).config.put(description=given)
    assert api.nodes('pve1').qemu(120).config.get()['description'] == stored


def test_ipconfig_without_its_nic_configures_nothing(fakepve, api):
    api.nodes('pve1').qemu(9001).clone.post(newid=130, full=1)
    api.nodes('pve1').qemu(130).config.put(
        net0='virtio,bridge=vmbr0', net2='virtio,bridge=vmbr1', ipconfig0='ip=dhcp', ipconfig1='ip=192.0.2.9/24', ipconfig2='ip=dhcp'
    )
    assert fakepve.cloud_init_interfaces(130) == {'eth0': 'ip=dhcp', 'eth2': 'ip=dhcp'}


def test_memory_below_the_balloon_is_refused(fakepve, api):
    api.nodes('pve1').qemu(9001).clone.post(newid=140, full=1)
    api.nodes('pve1').qemu(140).config.put(balloon=1024)
    refused(lambda: api.nodes('pve1').qemu(140).config.put(memory=512), 500, rules.BALLOON_TOO_LARGE)
    refused(lambda: api.nodes('pve1').qemu(140).config.put(balloon=2048), 500, rules.BALLOON_TOO_LARGE)
    api.nodes('pve1').qemu(140).config.put(memory=512, balloon=0)  # ballooning off: any memory
    assert fakepve.vm(140).config['memory'] == '512'


@pytest.mark.parametrize('check', ['ssh-keygen', 'structure'])
def test_ssh_keys_are_validated(fakepve, api, monkeypatch, check):
    if check == 'structure':
        monkeypatch.setattr(rules.shutil, 'which', lambda name: None)
    elif not rules.shutil.which('ssh-keygen'):
        pytest.skip('no ssh-keygen on this machine')
    api.nodes('pve1').qemu(9001).clone.post(newid=150, full=1)
    api.nodes('pve1').qemu(150).config.put(sshkeys=urllib.parse.quote(KEY + '\n', safe=''))
    for bad in ('ssh-ed25519 AAAA', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5', 'ssh-rsa ' + KEY.split()[1]):
        refused(lambda bad=bad: api.nodes('pve1').qemu(150).config.put(sshkeys=urllib.parse.quote(bad, safe='')), 500, rules.SSH_KEY_ERROR)


def test_guest_agent_answers_only_when_configured_running_and_enabled(fakepve, api):
    fakepve.add_vm(130, 'no-agent-key', status='running', config={'memory': 1024})
    fakepve.add_vm(131, 'stopped', status='stopped', config={'memory': 1024, 'agent': '1'})
    fakepve.add_vm(132, 'agent-off', status='running', config={'memory': 1024, 'agent': 'fstrim_cloned_disks=1,enabled=off'})
    answering = fakepve.add_vm(133, 'agent-on', status='running', config={'memory': 1024, 'agent': 'enabled=yes'})
    for vm in (130, 131, 132):
        fakepve.vm(vm).agent = {}  # an agent in the guest: the config and the power state still decide
    answering.agent = {}
    interfaces = api.nodes('pve1').qemu
    refused(lambda: interfaces(130).agent('network-get-interfaces').get(), 500, 'No QEMU guest agent configured')
    refused(lambda: interfaces(131).agent('network-get-interfaces').get(), 500, 'VM 131 is not running')
    refused(lambda: interfaces(132).agent('network-get-interfaces').get(), 500, 'QEMU guest agent is not running')
    assert 'result' in interfaces(133).agent('network-get-interfaces').get()
