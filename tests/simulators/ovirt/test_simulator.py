"""Tests of the oVirt engine simulator itself, through the unmodified ovirtsdk4 over HTTPS."""

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import ovirtsdk4 as sdk
import pytest
from ovirtsdk4 import types

from ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.model import BLANK_TEMPLATE_ID
from ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.server import OvirtEngineSimulator

GIB = 1024**3
MIB = 1024**2


@pytest.fixture
def connection(ovirt_engine):
    conn = sdk.Connection(url=ovirt_engine.url, username=ovirt_engine.username, password=ovirt_engine.password, ca_file=ovirt_engine.cafile, insecure=False)
    yield conn
    conn.close()


def wait_for(service, status, timeout=5.0):
    """Poll a VM's or a disk's service like a client does; returns the statuses seen on the way."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = service.get().status.value
        if not seen or seen[-1] != current:
            seen.append(current)
        if current == status:
            return seen
        time.sleep(0.02)
    raise AssertionError('never reached %s; saw %s' % (status, seen))


def create_vm(connection, name, template='rhel9-tpl', cluster='Default', **query):
    return (
        connection.system_service().vms_service().add(types.Vm(name=name, cluster=types.Cluster(name=cluster), template=types.Template(name=template)), **query)
    )


# ---- login, API root, TLS --------------------------------------------------------------------------------------


def test_login_and_api_root(connection, ovirt_engine):
    api = connection.system_service().get()
    assert api.product_info.name == 'oVirt Engine'
    assert (api.product_info.version.major, api.product_info.version.minor) == (4, 5)
    assert api.summary.vms.total == 3
    assert api.summary.hosts.active == 2
    assert api.special_objects.blank_template.id == BLANK_TEMPLATE_ID
    paths = [entry['path'] for entry in ovirt_engine.requests[:2]]
    assert paths == ['/ovirt-engine/sso/oauth/token', '/ovirt-engine/api']


def test_wrong_password_is_an_auth_error(ovirt_engine):
    conn = sdk.Connection(url=ovirt_engine.url, username='admin@internal', password='wrong', ca_file=ovirt_engine.cafile)
    with pytest.raises(sdk.AuthError, match='The username or password is incorrect'):
        conn.system_service().get()
    conn.close(logout=False)


def test_verification_rejects_an_unknown_ca(ovirt_engine, tmp_path):
    other = OvirtEngineSimulator(seed=None, cert_dir=str(tmp_path))
    other.start()
    try:
        conn = sdk.Connection(url=ovirt_engine.url, username=ovirt_engine.username, password=ovirt_engine.password, ca_file=other.cafile, insecure=False)
        with pytest.raises(sdk.Error, match=r'SSL|certificate'):
            conn.system_service().get()
    finally:
        other.stop()


def test_pre_obtained_token_needs_no_login(ovirt_engine):
    token = ovirt_engine.issue_token()
    conn = sdk.Connection(url=ovirt_engine.url, token=token, ca_file=ovirt_engine.cafile)
    assert conn.system_service().vms_service().list(search='name=db01')[0].name == 'db01'
    conn.close(logout=False)
    assert ovirt_engine.count_requests('POST', '/sso/oauth/token') == 0


def test_expired_token_is_renewed_transparently(connection, ovirt_engine):
    vms_service = connection.system_service().vms_service()
    assert len(vms_service.list()) == 3
    ovirt_engine.expire_tokens()
    ovirt_engine.clear_requests()
    assert len(vms_service.list()) == 3
    assert [(entry['path'].rsplit('/', 1)[-1], entry['status']) for entry in ovirt_engine.requests] == [('vms', 401), ('token', 200), ('vms', 200)]


@pytest.mark.ovirt_engine(token_ttl=0.2)
def test_token_lifetime(connection, ovirt_engine):
    connection.system_service().get()
    time.sleep(0.3)
    connection.system_service().get()
    assert ovirt_engine.count_requests('POST', '/sso/oauth/token') == 2


def test_logout_revokes_the_token(ovirt_engine):
    conn = sdk.Connection(url=ovirt_engine.url, username=ovirt_engine.username, password=ovirt_engine.password, ca_file=ovirt_engine.cafile)
    token = conn.authenticate()
    conn.close()
    other = sdk.Connection(url=ovirt_engine.url, token=token, ca_file=ovirt_engine.cafile)
    with pytest.raises(sdk.AuthError):
        other.system_service().get()
    other.close(logout=False)


# ---- listing and search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    'search, case_sensitive, expected',
    [
        ('name=web*', None, ['web01', 'web02']),
        ('name="db01"', None, ['db01']),
        ('name=WEB01', None, []),
        ('name=WEB01', False, ['web01']),
        ('status=up', None, ['db01', 'web01']),
        ('cluster=Default and status=down', None, ['web02']),
        ('datacenter=Default and name=db*', None, ['db01']),
        ('Vms: tag=web and name!=web02', None, ['web01']),
        ('datacenter=Elsewhere', None, []),
        ('', None, ['db01', 'web01', 'web02']),
    ],
)
def test_vm_search(connection, search, case_sensitive, expected):
    vms = connection.system_service().vms_service().list(search=search, case_sensitive=case_sensitive)
    assert sorted(vm.name for vm in vms) == expected


def test_vm_search_max_and_unsupported_field(connection):
    vms_service = connection.system_service().vms_service()
    assert len(vms_service.list(max=2)) == 2
    with pytest.raises(sdk.Error) as error:
        vms_service.list(search='flavour=large')
    assert error.value.code == 400


def test_vm_defaults_are_realistic(connection):
    vm = connection.system_service().vms_service().list(search='name=web02', all_content=True)[0]
    assert vm.cpu.topology.cores == 2 and vm.cpu.topology.sockets == 1 and vm.cpu.topology.threads == 1
    assert vm.memory == 4 * GIB and vm.memory_policy.guaranteed == 4 * GIB and vm.memory_policy.max == 16 * GIB
    assert vm.bios.type == types.BiosType.Q35_OVMF
    assert vm.os.type == 'rhel_9x64' and vm.os.boot.devices == [types.BootDevice.HD]
    assert vm.high_availability.enabled is False and vm.display.type == types.DisplayType.VNC
    assert vm.virtio_scsi.enabled is True
    assert vm.creation_time.year >= 2024
    light = connection.system_service().vms_service().list(search='name=web02')[0]
    assert light.virtio_scsi is None and light.console is None


def test_follow_embeds_nics_and_guest_ips_in_one_request(connection, ovirt_engine):
    ovirt_engine.add_vms(200, 'Default', template='rhel9-tpl', prefix='bulk', running_every=2)
    vms_service = connection.system_service().vms_service()
    vms_service.list(max=1)  # logs in
    costs = {}
    for search, count in (('name=bulk00002', 1), ('name=bulk*', 200)):
        ovirt_engine.clear_requests()
        vms = vms_service.list(search=search, follow='nics,reported_devices')
        costs[count] = len(ovirt_engine.requests)
        assert len(vms) == count
        running = [vm for vm in vms if vm.status == types.VmStatus.UP]
        assert running and all(len(vm.nics) == 2 for vm in vms)
        for vm in running:
            assert [device.mac.address for device in vm.reported_devices] == [nic.mac.address for nic in vm.nics]
            assert vm.reported_devices[0].ips[0].address.startswith('10.')
        assert all(list(vm.reported_devices) == [] for vm in vms if vm.status == types.VmStatus.DOWN)
    assert costs == {1: 1, 200: 1}
    addresses = [vm.reported_devices[0].ips[0].address for vm in vms if vm.status == types.VmStatus.UP]
    assert len(set(addresses)) == len(addresses)


def test_follow_inlines_a_list_of_links_in_the_same_request(connection, ovirt_engine):
    """follow through a list of links (a disk's storage domains), and single links, as the engine inlines them."""
    vm = connection.system_service().vms_service().list(search='name=web01')[0]
    ovirt_engine.clear_requests()
    followed = connection.system_service().vms_service().vm_service(vm.id).get(follow='cluster,host,nics.vnic_profile,disk_attachments.disk.storage_domains')
    assert len(ovirt_engine.requests) == 1
    assert followed.cluster.name == 'Default' and followed.host.name in ('host1', 'host2')
    assert all(nic.vnic_profile.name for nic in followed.nics)
    domains = [d for a in followed.disk_attachments for d in a.disk.storage_domains]
    assert domains and all(d.name for d in domains)


def test_links_can_be_followed(connection):
    vm = connection.system_service().vms_service().list(search='name=web01')[0]
    assert connection.follow_link(vm.cluster).name == 'Default'
    assert connection.follow_link(vm.template).name == 'rhel9-tpl'
    assert connection.follow_link(vm.host).name in ('host1', 'host2')
    nics = connection.follow_link(vm.nics)
    assert [nic.name for nic in nics] == ['nic1', 'nic2']
    profiles = {connection.follow_link(nic.vnic_profile).name for nic in nics}
    assert profiles == {'ovirtmgmt', 'vlan100'}
    for rel in (
        'disk_attachments',
        'numa_nodes',
        'watchdogs',
        'host_devices',
        'statistics',
        'tags',
        'cdroms',
        'graphics_consoles',
        'snapshots',
        'permissions',
        'affinity_labels',
        'katello_errata',
    ):
        assert isinstance(connection.follow_link(getattr(vm, rel)), list), rel
    attachments = connection.follow_link(vm.disk_attachments)
    assert connection.follow_link(attachments[0].disk).provisioned_size == 30 * GIB


def test_templates_are_scoped_and_versioned(connection, ovirt_engine):
    ovirt_engine.add_datacenter('Remote')
    ovirt_engine.add_cluster('Remote', 'Remote')
    ovirt_engine.add_host('rhost1', 'Remote')
    ovirt_engine.add_template('rhel9-tpl', 'Remote', cpu_cores=8, memory_mb=1024)
    templates_service = connection.system_service().templates_service()
    local = templates_service.list(search='name=rhel9-tpl and datacenter=Default')
    assert sorted((tpl.version.version_number, tpl.version.version_name) for tpl in local) == [(1, 'base'), (2, 'v2')]
    base = next(tpl for tpl in local if tpl.version.version_number == 1)
    assert all(tpl.version.base_template.id == base.id for tpl in local)
    assert [nic.name for nic in connection.follow_link(base.nics)] == ['nic1']
    remote = templates_service.list(search='name=rhel9-tpl and datacenter=Remote')
    assert [tpl.cpu.topology.cores for tpl in remote] == [8]
    assert [tpl.name for tpl in templates_service.list(search='name=Blank and datacenter=Remote')] == ['Blank']
    assert [tpl.name for tpl in templates_service.list(search='vm.name=db01')] == ['debian12-tpl']
    vm = create_vm(connection, 'remote-vm', cluster='Remote')
    assert vm.cpu.topology.cores == 8


# ---- VM life cycle ---------------------------------------------------------------------------------------


@pytest.mark.ovirt_engine(delay=0.3)
def test_create_from_template_is_locked_then_down(connection, ovirt_engine):
    vm = create_vm(connection, 'new01', clone=True)
    assert vm.status == types.VmStatus.IMAGE_LOCKED
    # By name, the latest version of the template in the cluster's data center is used.
    assert vm.memory == 4 * GIB
    assert connection.follow_link(vm.template).version.version_number == 2
    vm_service = connection.system_service().vms_service().vm_service(vm.id)
    nics = vm_service.nics_service().list()
    assert [nic.name for nic in nics] == ['nic1', 'nic2']
    macs = [nic.mac.address for nic in nics]
    assert all(mac.startswith('56:6f:') for mac in macs) and len(set(macs)) == 2
    disk_id = vm_service.disk_attachments_service().list()[0].disk.id
    disk_service = connection.system_service().disks_service().disk_service(disk_id)
    assert disk_service.get().status == types.DiskStatus.LOCKED
    assert wait_for(vm_service, 'down') == ['image_locked', 'down']
    assert disk_service.get().status == types.DiskStatus.OK
    assert ovirt_engine.count_requests('POST', '/vms') == 1


def test_create_by_template_id_and_overrides(connection):
    templates_service = connection.system_service().templates_service()
    base = next(tpl for tpl in templates_service.list(search='name=rhel9-tpl') if tpl.version.version_number == 1)
    cluster = connection.system_service().clusters_service().list(search='name=Default')[0]
    vm = (
        connection.system_service()
        .vms_service()
        .add(
            types.Vm(
                name='custom01',
                cluster=types.Cluster(id=cluster.id),
                template=types.Template(id=base.id),
                memory=3 * GIB,
                cpu=types.Cpu(topology=types.CpuTopology(cores=3)),
                description='custom',
            )
        )
    )
    assert vm.memory == 3 * GIB and vm.memory_policy.max == 12 * GIB and vm.memory_policy.guaranteed == 3 * GIB
    assert vm.cpu.topology.cores == 3 and vm.cpu.topology.sockets == 1
    assert vm.description == 'custom' and vm.cluster.id == cluster.id and vm.template.id == base.id
    assert len(connection.system_service().vms_service().vm_service(vm.id).nics_service().list()) == 1


def test_create_from_blank_without_template_is_rejected(connection):
    with pytest.raises(sdk.Error) as error:
        connection.system_service().vms_service().add(types.Vm(name='x', cluster=types.Cluster(name='Default')))
    assert error.value.code == 400
    assert error.value.fault.detail == 'Vm [template.id|name] required for add'


def test_duplicate_name_is_a_conflict(connection):
    with pytest.raises(sdk.Error) as error:
        create_vm(connection, 'web01')
    assert error.value.code == 409
    assert error.value.fault.reason == 'Operation Failed'
    assert error.value.fault.detail == ('[Cannot add VM. The VM name is already in use, please choose a unique name and try again.]')


def test_unknown_cluster_and_template_are_not_found(connection):
    with pytest.raises(sdk.NotFoundError) as error:
        create_vm(connection, 'x1', cluster='nope')
    assert error.value.fault.detail == 'Entity not found: Cluster: name=nope'
    with pytest.raises(sdk.NotFoundError):
        create_vm(connection, 'x1', template='no-such-template')


def test_invalid_name_is_rejected(connection):
    with pytest.raises(sdk.Error) as error:
        create_vm(connection, 'bad name!')
    assert error.value.code == 400
    assert 'The given name contains special characters' in error.value.fault.detail


def test_unknown_id_and_path_are_not_found(connection, ovirt_engine):
    with pytest.raises(sdk.NotFoundError):
        connection.system_service().vms_service().vm_service('3b1a6e62-0000-4000-8000-000000000000').get()
    # The SDK refuses unknown paths itself: ask with plain HTTPS.
    request = urllib.request.Request(ovirt_engine.url + '/nosuchcollection', headers={'Authorization': 'Bearer ' + ovirt_engine.issue_token()})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ovirt_engine.cafile), timeout=10)
    assert error.value.code == 404
    assert error.value.headers['Content-Type'].startswith('application/xml')
    body = error.value.read().decode()
    assert body.startswith('<fault>') and '<reason>Not Found</reason>' in body


@pytest.mark.ovirt_engine(delay=0.15)
def test_power_actions_walk_through_states(connection):
    vm_service = connection.system_service().vms_service().vm_service(connection.system_service().vms_service().list(search='name=web02')[0].id)
    vm_service.start()
    assert wait_for(vm_service, 'up') == ['wait_for_launch', 'powering_up', 'up']
    vm = vm_service.get()
    assert vm.host is not None and vm.start_time is not None
    vm_service.reboot()
    assert wait_for(vm_service, 'up') == ['reboot_in_progress', 'up']
    vm_service.shutdown()
    assert wait_for(vm_service, 'down') == ['powering_down', 'down']
    assert vm_service.get().host is None
    vm_service.start()
    wait_for(vm_service, 'up')
    vm_service.stop()
    assert wait_for(vm_service, 'down') == ['powering_down', 'down']


def test_invalid_power_actions_are_conflicts(connection):
    vms_service = connection.system_service().vms_service()
    up = vms_service.vm_service(vms_service.list(search='name=web01')[0].id)
    with pytest.raises(sdk.Error) as error:
        up.start()
    assert error.value.code == 409 and error.value.fault.detail == '[Cannot run VM. VM is running.]'
    down = vms_service.vm_service(vms_service.list(search='name=web02')[0].id)
    with pytest.raises(sdk.Error) as error:
        down.shutdown()
    assert error.value.code == 409 and error.value.fault.detail == '[Cannot shutdown VM. VM is not running.]'


def test_actions_on_a_locked_vm_are_conflicts(connection, ovirt_engine):
    ovirt_engine.set_delays(image_locked=30)
    vm = create_vm(connection, 'locked01')
    vm_service = connection.system_service().vms_service().vm_service(vm.id)
    for call, detail in (
        (vm_service.start, '[Cannot run VM: VM is locked. Please try again in a few minutes.]'),
        (vm_service.remove, '[Cannot remove VM: VM is locked. Please try again in a few minutes.]'),
        (lambda: vm_service.update(types.Vm(description='x')), '[Cannot edit VM: VM is locked. Please try again in a few minutes.]'),
    ):
        with pytest.raises(sdk.Error) as error:
            call()
        assert error.value.code == 409
        assert error.value.fault.detail == detail
    assert vm_service.get().status == types.VmStatus.IMAGE_LOCKED


def test_update_vm(connection):
    vms_service = connection.system_service().vms_service()
    vm_service = vms_service.vm_service(vms_service.list(search='name=web02')[0].id)
    updated = vm_service.update(
        types.Vm(
            name='web02b',
            description='resized',
            memory=8 * GIB,
            cpu=types.Cpu(topology=types.CpuTopology(cores=4)),
            memory_policy=types.MemoryPolicy(guaranteed=2 * GIB, max=8 * GIB),
            os=types.OperatingSystem(boot=types.Boot(devices=[types.BootDevice.NETWORK, types.BootDevice.HD])),
            bios=types.Bios(type=types.BiosType.Q35_SEA_BIOS),
            custom_properties=[types.CustomProperty(name='sndbuf', value='0')],
        )
    )
    assert updated.name == 'web02b'
    vm = vm_service.get(all_content=True)
    assert (vm.name, vm.description, vm.memory) == ('web02b', 'resized', 8 * GIB)
    assert vm.cpu.topology.cores == 4 and vm.cpu.topology.sockets == 1
    assert (vm.memory_policy.guaranteed, vm.memory_policy.max, vm.memory_policy.ballooning) == (2 * GIB, 8 * GIB, True)
    assert vm.os.boot.devices == [types.BootDevice.NETWORK, types.BootDevice.HD] and vm.os.type == 'rhel_9x64'
    assert vm.bios.type == types.BiosType.Q35_SEA_BIOS
    assert [(prop.name, prop.value) for prop in vm.custom_properties] == [('sndbuf', '0')]
    with pytest.raises(sdk.Error) as error:
        vm_service.update(types.Vm(name='web01'))
    assert error.value.code == 409 and 'name is already in use' in error.value.fault.detail


def test_changes_to_a_running_vm_wait_for_its_next_start(connection):
    vms_service = connection.system_service().vms_service()
    vm_service = vms_service.vm_service(vms_service.list(search='name=web01')[0].id)
    # Memory raised without next_run is hot-plugged now (UpdateVmCommand); the CPU topology waits.
    vm_service.update(types.Vm(description='live', memory=8 * GIB, cpu=types.Cpu(topology=types.CpuTopology(cores=4))))
    now = vm_service.get()
    assert (now.description, now.memory, now.cpu.topology.cores) == ('live', 8 * GIB, 2)
    assert now.next_run_configuration_exists
    pending = vm_service.get(next_run=True)
    assert (pending.description, pending.memory, pending.cpu.topology.cores) == ('live', 8 * GIB, 4)
    assert pending.status == types.VmStatus.UP and pending.id == now.id
    # With next_run the memory waits for the next start too.
    vm_service.update(types.Vm(memory=12 * GIB), next_run=True)
    assert vm_service.get().memory == 8 * GIB and vm_service.get(next_run=True).memory == 12 * GIB
    vm_service.stop()
    stopped = vm_service.get()
    assert (stopped.memory, stopped.cpu.topology.cores, stopped.next_run_configuration_exists) == (12 * GIB, 4, False)
    # Stopped: a change is the VM's own at once, and there is nothing kept for later.
    vm_service.update(types.Vm(memory=2 * GIB))
    assert vm_service.get(next_run=True).memory == vm_service.get().memory == 2 * GIB


def test_hot_plugged_memory_grows_in_steps_of_128_mib(connection):
    vms_service = connection.system_service().vms_service()
    vm_service = vms_service.vm_service(vms_service.list(search='name=web01')[0].id)
    before = vm_service.get().memory
    with pytest.raises(sdk.Error) as raised:
        vm_service.update(types.Vm(memory=before + 100 * 1024**2))
    assert raised.value.code == 400 and 'Amount of added memory (100MiB) is not dividable by 128MiB' in str(raised.value)
    assert vm_service.get().memory == before
    vm_service.update(types.Vm(memory=before + 100 * 1024**2), next_run=True)  # at the next start: any size


def test_nics_add_update_remove(connection):
    vms_service = connection.system_service().vms_service()
    vm_service = vms_service.vm_service(vms_service.list(search='name=web02')[0].id)
    nics_service = vm_service.nics_service()
    profiles = {profile.name: profile.id for profile in connection.system_service().vnic_profiles_service().list()}
    added = nics_service.add(types.Nic(name='nic3', interface=types.NicInterface.E1000, vnic_profile=types.VnicProfile(id=profiles['vlan100'])))
    assert added.mac.address.startswith('56:6f:') and added.interface == types.NicInterface.E1000
    nic_service = nics_service.nic_service(added.id)
    nic_service.update(
        types.Nic(interface=types.NicInterface.RTL8139, mac=types.Mac(address='56:6f:aa:bb:cc:dd'), vnic_profile=types.VnicProfile(id=profiles['ovirtmgmt']))
    )
    nic = nic_service.get()
    assert (nic.interface, nic.mac.address, nic.vnic_profile.id) == (types.NicInterface.RTL8139, '56:6f:aa:bb:cc:dd', profiles['ovirtmgmt'])
    taken = nics_service.list()[0].mac.address
    with pytest.raises(sdk.Error) as error:
        nics_service.add(types.Nic(name='nic4', mac=types.Mac(address=taken)))
    assert error.value.code == 409 and error.value.fault.detail == '[MAC Address is already in use.]'
    nic_service.remove()
    assert [nic.name for nic in nics_service.list()] == ['nic1', 'nic2']
    running = vms_service.vm_service(vms_service.list(search='name=web01')[0].id).nics_service()
    with pytest.raises(sdk.Error) as error:
        running.nic_service(running.list()[0].id).remove()
    assert error.value.code == 409


def test_delete_answers_200_and_refuses_running_vms(connection, ovirt_engine):
    vms_service = connection.system_service().vms_service()
    with pytest.raises(sdk.Error) as error:
        vms_service.vm_service(vms_service.list(search='name=web01')[0].id).remove()
    assert error.value.code == 409 and error.value.fault.detail == '[Cannot remove VM. VM is running.]'
    vm_id = vms_service.list(search='name=web02')[0].id
    disk_ids = [att.disk.id for att in vms_service.vm_service(vm_id).disk_attachments_service().list()]
    vms_service.vm_service(vm_id).remove()
    assert ovirt_engine.requests[-1]['method'] == 'DELETE' and ovirt_engine.requests[-1]['status'] == 200
    with pytest.raises(sdk.NotFoundError):
        vms_service.vm_service(vm_id).get()
    with pytest.raises(sdk.NotFoundError):
        connection.system_service().disks_service().disk_service(disk_ids[0]).get()


def test_tags(connection, ovirt_engine):
    vms_service = connection.system_service().vms_service()
    connection.system_service().tags_service().add(types.Tag(name='pxe'))
    tags_service = vms_service.vm_service(vms_service.list(search='name=web02')[0].id).tags_service()
    tags_service.add(types.Tag(name='pxe'))
    assert sorted(tag.name for tag in tags_service.list()) == ['pxe', 'web']
    assert [vm.name for vm in vms_service.list(search='tag=pxe')] == ['web02']
    with pytest.raises(sdk.NotFoundError):
        tags_service.add(types.Tag(name='unknown'))
    assert ovirt_engine.vm('web02').tags[-1].name == 'pxe'
    with pytest.raises(sdk.Error) as error:
        connection.system_service().tags_service().add(types.Tag(name='not a tag!'))
    assert error.value.code == 400 and 'Invalid tag name' in error.value.fault.detail


def test_infrastructure_collections(connection):
    system = connection.system_service()
    assert [dc.name for dc in system.data_centers_service().list()] == ['Default']
    cluster = system.clusters_service().list(search='name=Default')[0]
    assert connection.follow_link(cluster.data_center).name == 'Default'
    assert sorted(net.name for net in connection.follow_link(cluster.networks)) == ['ovirtmgmt', 'vlan100']
    hosts = system.hosts_service().list(search='status=up')
    assert sorted(host.name for host in hosts) == ['host1', 'host2']
    assert sum(host.summary.active for host in hosts) == 2
    domain = system.storage_domains_service().list(search='name=data')[0]
    assert domain.available + domain.used == 2048 * GIB and domain.used > 120 * GIB
    profiles = system.vnic_profiles_service().list()
    assert sorted((profile.name, connection.follow_link(profile.network).name) for profile in profiles) == [('ovirtmgmt', 'ovirtmgmt'), ('vlan100', 'vlan100')]
    assert system.jobs_service().list() == []
    assert cluster.affinity_groups is not None and connection.follow_link(cluster.affinity_groups) == []


# ---- fault injection, latency, seeding, CLI ------------------------------------------------------------------


def test_injected_faults(connection, ovirt_engine):
    vms_service = connection.system_service().vms_service()
    ovirt_engine.fail('GET', '/vms', 503, 'Engine is busy', times=1)
    with pytest.raises(sdk.Error) as error:
        vms_service.list()
    assert error.value.code == 503 and error.value.fault.detail == 'Engine is busy'
    assert len(vms_service.list()) == 3
    ovirt_engine.fail('POST', '/start', 409, '[Cannot run VM. Low disk space.]')
    web02 = vms_service.vm_service(vms_service.list(search='name=web02')[0].id)
    with pytest.raises(sdk.Error, match='Low disk space'):
        web02.start()
    ovirt_engine.clear_faults()
    web02.start()
    assert web02.get().status == types.VmStatus.UP


@pytest.mark.ovirt_engine(latency=0.05)
def test_latency(connection):
    connection.system_service().get()
    started = time.monotonic()
    connection.system_service().get()
    assert time.monotonic() - started >= 0.05


def test_json_seed(tmp_path):
    seed = {
        'datacenters': [{'name': 'Lab'}],
        'clusters': [{'name': 'lab1', 'datacenter': 'Lab'}],
        'hosts': [{'name': 'lh1', 'cluster': 'lab1'}],
        'templates': [{'name': 'tiny', 'cluster_or_dc': 'Lab', 'memory_mb': 512}],
        'bulk_vms': [{'count': 3, 'clusters': ['lab1'], 'template': 'tiny', 'prefix': 'lab'}],
    }
    simulator = OvirtEngineSimulator(seed=seed, cert_dir=str(tmp_path))
    assert sorted(vm.name for vm in simulator.state.vms.values()) == ['lab00001', 'lab00002', 'lab00003']
    assert {vm.obj.memory for vm in simulator.state.vms.values()} == {512 * MIB}


def test_command_line(tmp_path):
    cafile = tmp_path / 'ca.pem'
    ready = tmp_path / 'ready'
    env = dict(os.environ)
    process = subprocess.Popen(
        [
            sys.executable,
            '-m',
            'ansible_collections.pureboot.hypervisors.tests.simulators.ovirt',
            '--port',
            '0',
            '--password',
            'cli-secret',
            '--cafile-out',
            str(cafile),
            '--ready-file',
            str(ready),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith('ovirt-sim listening on https://127.0.0.1:') and line.endswith('/ovirt-engine/api')
        url = line.rsplit(' ', 1)[-1]
        assert ready.read_text().strip() == url
        conn = sdk.Connection(url=url, username='admin@internal', password='cli-secret', ca_file=str(cafile))
        assert sorted(vm.name for vm in conn.system_service().vms_service().list()) == ['db01', 'web01', 'web02']
        conn.close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stderr.read() == ''


def test_request_log_format(connection, ovirt_engine):
    connection.system_service().vms_service().list(search='name=db01', follow='nics')
    entry = ovirt_engine.requests[-1]
    assert {key: entry[key] for key in ('method', 'path', 'query')} == {
        'method': 'GET',
        'path': '/ovirt-engine/api/vms',
        'query': {'follow': 'nics', 'search': 'name=db01'},
    }
    json.dumps(ovirt_engine.requests)


# ---- the engine's rules the driver could break (docs/doubles.md) ---------------------------------------------


def _vm(connection, name):
    vms_service = connection.system_service().vms_service()
    return vms_service.vm_service(vms_service.list(search='name=' + name)[0].id)


# How long the tests below keep a disk locked: the checks made while it is must all fit in it, even on a loaded
# machine (with 0.3 s, a run of make test beside the matrix once saw the lock end before the VM's start was tried).
DISK_LOCK_S = 3.0


def _refused(call, code, text):
    with pytest.raises(sdk.Error) as raised:
        call()
    assert raised.value.code == code and text in str(raised.value), str(raised.value)


def test_a_plugged_nic_of_a_running_vm_keeps_its_model_and_mac(connection):
    nic_service = _vm(connection, 'web01').nics_service()
    nic = nic_service.list()[0]
    one = nic_service.nic_service(nic.id)
    _refused(lambda: one.update(types.Nic(interface=types.NicInterface.E1000)), 409, 'not supported while the interface is plugged')
    _refused(lambda: one.update(types.Nic(mac=types.Mac(address='56:6f:00:00:99:99'))), 409, 'un-plug the interface')
    one.update(types.Nic(plugged=False))
    one.update(types.Nic(interface=types.NicInterface.E1000))
    assert one.get().interface == types.NicInterface.E1000


def test_a_vnic_profile_needs_its_network_in_the_vms_cluster(ovirt_engine, connection):
    ovirt_engine.state.detach_network('vlan100', 'Default')
    profiles = {p.name: p.id for p in connection.system_service().vnic_profiles_service().list()}
    nics_service = _vm(connection, 'web02').nics_service()
    _refused(
        lambda: nics_service.add(types.Nic(name='nic9', vnic_profile=types.VnicProfile(id=profiles['vlan100']))),
        409,
        "The specified Logical Network doesn't exist in the current Cluster",
    )


def test_a_clusters_networks_are_those_attached_to_it(ovirt_engine, connection):
    clusters = connection.system_service().clusters_service()
    networks = clusters.cluster_service(clusters.list(search='name=Default')[0].id).networks_service()
    assert 'vlan100' in {n.name for n in networks.list()}
    ovirt_engine.state.detach_network('vlan100', 'Default')
    assert 'vlan100' not in {n.name for n in networks.list()} and 'ovirtmgmt' in {n.name for n in networks.list()}


def test_lock_conflicts_carry_the_holders_message(ovirt_engine, connection):
    state = ovirt_engine.state
    vm = state.vm_by_name('web02')
    state.hold_lock(vm, reason='object')
    _refused(lambda: _vm(connection, 'web02').update(types.Vm(description='x')), 409, 'Related operation is currently in progress')
    state.release_lock(vm)
    state.hold_lock(vm, reason='updating')
    _refused(lambda: _vm(connection, 'web02').start(), 409, 'VM is being updated')


def test_a_vm_booting_from_disk_only_needs_a_disk(ovirt_engine, connection):
    vms_service = connection.system_service().vms_service()
    vms_service.add(
        types.Vm(
            name='blank-one',
            cluster=types.Cluster(name='Default'),
            template=types.Template(name='Blank'),
            os=types.OperatingSystem(boot=types.Boot(devices=[types.BootDevice.HD])),
        )
    )
    ovirt_engine.state.advance_all()
    _refused(lambda: _vm(connection, 'blank-one').start(), 409, 'without at least one bootable disk')


@pytest.mark.parametrize(
    'description, code, text',
    [('x' * 256, 400, 'size must be between 0 and 255'), ('web \N{EN DASH} lab', 400, 'The given description contains special characters')],
)
def test_descriptions_are_255_ascii_or_letters(connection, description, code, text):
    _refused(lambda: _vm(connection, 'web02').update(types.Vm(description=description)), code, text)
    _vm(connection, 'web02').update(types.Vm(description='Grüße, 東京: ' + 'x' * 200))


def test_at_most_254_cores_per_socket(connection):
    _refused(
        lambda: _vm(connection, 'web02').update(types.Vm(cpu=types.Cpu(topology=types.CpuTopology(sockets=1, cores=255, threads=1)))),
        409,
        'Maximum number of CPUs per socket exceeded',
    )
    _vm(connection, 'web02').update(types.Vm(cpu=types.Cpu(topology=types.CpuTopology(sockets=2, cores=254, threads=1))))


def test_search_statuses_are_engine_names_without_underscores(ovirt_engine, connection):
    vms_service = connection.system_service().vms_service()
    ovirt_engine.state.hold_lock(ovirt_engine.state.vm_by_name('web02'))
    assert [vm.name for vm in vms_service.list(search='status=imagelocked')] == ['web02']
    assert vms_service.list(search='status=image_locked') == []  # a syntax error: an empty list, 200


def test_shutdown_semantics(ovirt_engine, connection):
    state = ovirt_engine.state
    web01 = state.vm_by_name('web01')
    web01.acpi = False
    _vm(connection, 'web01').shutdown()
    assert _vm(connection, 'web01').get().status == types.VmStatus.DOWN and web01.forced_stops == 1
    db01 = _vm(connection, 'db01')
    db01.suspend()
    state.advance_all()
    _refused(db01.remove, 409, 'VM is running')
    db01.shutdown()
    state.advance_all()
    assert db01.get().status == types.VmStatus.DOWN


# ---- blank VMs and their disks (tests/simulators/ovirt/disks.py) -----------------------------------------------


def _blank_vm(connection, name='blank01', bios=None, **fields):
    vms_service = connection.system_service().vms_service()
    vm = vms_service.add(
        types.Vm(
            name=name,
            cluster=types.Cluster(name='Default'),
            template=types.Template(id=BLANK_TEMPLATE_ID),
            bios=types.Bios(type=bios) if bios else None,
            **fields,
        )
    )
    return vms_service.vm_service(vm.id)


def _new_disk(size_gb=10, interface=types.DiskInterface.VIRTIO, bootable=False, domain='data', sparse=True):
    return types.DiskAttachment(
        bootable=bootable,
        interface=interface,
        active=True,
        pass_discard=False,
        disk=types.Disk(
            provisioned_size=size_gb * GIB,
            format=types.DiskFormat.COW if sparse else types.DiskFormat.RAW,
            sparse=sparse,
            storage_domains=[types.StorageDomain(name=domain)] if domain else None,
        ),
    )


def _available(connection, name='data'):
    return connection.system_service().storage_domains_service().list(search='name=' + name)[0].available


def test_a_vm_from_blank_has_no_disks_and_keeps_host_passthrough(connection):
    vm_service = _blank_vm(
        connection,
        cpu=types.Cpu(mode=types.CpuMode.HOST_PASSTHROUGH, topology=types.CpuTopology(sockets=2, cores=2, threads=1)),
        os=types.OperatingSystem(type='other_linux'),
    )
    vm = vm_service.get()
    assert vm_service.disk_attachments_service().list() == []
    assert (vm.cpu.mode, vm.cpu.topology.sockets, vm.os.type) == (types.CpuMode.HOST_PASSTHROUGH, 2, 'other_linux')
    # The engine keeps a flag only (use_host_cpu_flags): any other mode reads back as none.
    vm_service.update(types.Vm(cpu=types.Cpu(mode=types.CpuMode.CUSTOM)))
    assert vm_service.get().cpu.mode is None


@pytest.mark.ovirt_engine(delay=0.3)
def test_a_new_disk_is_locked_then_ok_and_its_vm_waits_for_it(ovirt_engine, connection):
    vm_service = _blank_vm(connection)
    wait_for(vm_service, 'down')
    free = _available(connection)
    ovirt_engine.state.set_delays(disk_locked=DISK_LOCK_S)
    attachment = vm_service.disk_attachments_service().add(_new_disk(bootable=True))
    assert (attachment.interface, attachment.bootable, attachment.active) == (types.DiskInterface.VIRTIO, True, True)
    disk_service = connection.system_service().disks_service().disk_service(attachment.disk.id)
    disk = disk_service.get()
    assert (disk.status, disk.provisioned_size, disk.alias, disk.format) == (types.DiskStatus.LOCKED, 10 * GIB, 'blank01_Disk1', types.DiskFormat.COW)
    # A thin image takes its qcow2 header at first, not its size.
    assert free - _available(connection) == MIB
    _refused(vm_service.start, 409, 'Cannot run VM: The following disks are locked: blank01_Disk1')
    _refused(lambda: disk_service.update(types.Disk(provisioned_size=20 * GIB)), 409, 'The following disks are locked: blank01_Disk1')
    wait_for(disk_service, 'ok', timeout=10.0)
    followed = vm_service.get(follow='disk_attachments.disk').disk_attachments
    assert [(a.disk.alias, a.disk.provisioned_size, a.disk.status) for a in followed] == [('blank01_Disk1', 10 * GIB, types.DiskStatus.OK)]
    vm_service.start()


@pytest.mark.ovirt_engine(delay=0.2)
def test_disks_grow_never_shrink(ovirt_engine, connection):
    vm_service = _blank_vm(connection)
    wait_for(vm_service, 'down')
    ovirt_engine.state.set_delays(disk_locked=0)
    attachment = vm_service.disk_attachments_service().add(_new_disk(size_gb=10))
    disk_service = connection.system_service().disks_service().disk_service(attachment.disk.id)
    _refused(lambda: disk_service.update(types.Disk(provisioned_size=5 * GIB)), 400, 'New disk size must be larger than the current disk size')
    disk_service.update(types.Disk(provisioned_size=10 * GIB))  # the same size is no resize
    ovirt_engine.state.set_delays(disk_locked=DISK_LOCK_S)
    disk_service.update(types.Disk(provisioned_size=15 * GIB))
    assert (disk_service.get().provisioned_size, disk_service.get().status) == (15 * GIB, types.DiskStatus.LOCKED)
    wait_for(disk_service, 'ok', timeout=10.0)
    # The attachment's own update is the same command.
    one = vm_service.disk_attachments_service().attachment_service(attachment.id)
    one.update(types.DiskAttachment(disk=types.Disk(provisioned_size=16 * GIB)))
    assert disk_service.get().provisioned_size == 16 * GIB


def test_disk_interfaces_follow_the_chipset(connection):
    q35 = _blank_vm(connection, 'q35vm', bios=types.BiosType.Q35_SEA_BIOS).disk_attachments_service()
    _refused(lambda: q35.add(_new_disk(interface=types.DiskInterface.IDE)), 400, 'The disk interface is not supported by the VM OS: Other OS')
    assert q35.add(_new_disk(interface=types.DiskInterface.SATA)).interface == types.DiskInterface.SATA
    i440fx = _blank_vm(connection, 'oldvm', bios=types.BiosType.I440FX_SEA_BIOS).disk_attachments_service()
    _refused(lambda: i440fx.add(_new_disk(interface=types.DiskInterface.SATA)), 400, 'not supported by the VM OS')
    assert i440fx.add(_new_disk(interface=types.DiskInterface.IDE)).interface == types.DiskInterface.IDE
    scsi_off = _blank_vm(connection, 'noscsi', virtio_scsi=types.VirtioScsi(enabled=False)).disk_attachments_service()
    _refused(lambda: scsi_off.add(_new_disk(interface=types.DiskInterface.VIRTIO_SCSI)), 409, 'VirtIO-SCSI is disabled for the VM')


def test_new_disk_storage_and_boot_rules(ovirt_engine, connection):
    ovirt_engine.add_datacenter('Other')
    ovirt_engine.add_storage_domain('other-data', 'Other', size_gb=100, used_gb=10)
    ovirt_engine.add_storage_domain('small', 'Default', size_gb=50, used_gb=20)
    attachments = _blank_vm(connection).disk_attachments_service()
    _refused(lambda: attachments.add(_new_disk(domain=None)), 400, "Storage Domain hasn't been specified")
    _refused(lambda: attachments.add(_new_disk(domain='nowhere')), 404, 'Entity not found: StorageDomain')
    _refused(lambda: attachments.add(_new_disk(domain='other-data')), 400, "Storage Domain doesn't exist")
    _refused(
        lambda: attachments.add(
            types.DiskAttachment(
                interface=types.DiskInterface.VIRTIO, disk=types.Disk(format=types.DiskFormat.COW, storage_domains=[types.StorageDomain(name='data')])
            )
        ),
        400,
        'Disk [provisionedSize|size] required for add',
    )
    # 30 GiB free: a preallocated 40 GiB image does not fit; a thin one does (it takes its header at first).
    _refused(lambda: attachments.add(_new_disk(size_gb=40, domain='small', sparse=False)), 409, 'Low disk space on Storage Domain small')
    attachments.add(_new_disk(size_gb=40, domain='small', bootable=True))
    _refused(lambda: attachments.add(_new_disk(bootable=True)), 409, 'Disk blank01_Disk1 in VM blank01 is already marked as boot')


# ---- operating systems ---------------------------------------------------------------------------------------------


def test_the_os_list_is_the_engines_osinfo_in_the_api_models_shape(connection):
    system = connection.system_service()
    # The SDK reads the list only under the API model's element, <operation_systems>.
    found = system.operating_systems_service().list()
    by_name = {os.name: os for os in found}
    assert len(found) == 61 and len(by_name) == 61
    assert (by_name['other'].id, by_name['other'].description, by_name['other'].architecture) == ('0', 'Other OS', types.Architecture.X86_64)
    assert (by_name['rhel_9_ppc64'].architecture, by_name['windows_11'].tpm_support) == (types.Architecture.PPC64, types.TpmSupport.REQUIRED)
    assert system.operating_systems_service().operating_system_service('34').get().name == 'rhel_9x64'
    _refused(lambda: system.operating_systems_service().operating_system_service('2').get(), 404, '404')
    assert len(system.operating_systems_service().list(max=3)) == 3


def test_an_unknown_os_name_is_stored_as_other_and_an_old_one_as_its_os(connection):
    vms_service = connection.system_service().vms_service()

    def add(name, os_type):
        return vms_service.add(
            types.Vm(name=name, cluster=types.Cluster(name='Default'), template=types.Template(name='Blank'), os=types.OperatingSystem(type=os_type))
        )

    # The engine takes the name without a fault (VmMapper.mapOsType: id 0 for a name it does not know).
    assert add('os-unknown', 'no-such-os-type').os.type == 'other'
    assert add('os-old', 'Windows8').os.type == 'windows_8'
    assert add('os-case', 'RHEL_9x64').os.type == 'other'
    vm_service = _vm(connection, 'web02')
    assert vm_service.update(types.Vm(os=types.OperatingSystem(type='debian_9'))).os.type == 'debian_9'
    vm_service.update(types.Vm(os=types.OperatingSystem(type='debian-12')))
    assert vm_service.get().os.type == 'other'


def test_an_os_of_another_architecture_than_the_clusters_is_refused(connection):
    vms_service = connection.system_service().vms_service()
    _refused(
        lambda: vms_service.add(
            types.Vm(name='os-ppc', cluster=types.Cluster(name='Default'), template=types.Template(name='Blank'), os=types.OperatingSystem(type='rhel_9_ppc64'))
        ),
        409,
        '[Cannot add VM. Selected operating system is not supported by the architecture.]',
    )
    _refused(
        lambda: _vm(connection, 'web02').update(types.Vm(os=types.OperatingSystem(type='other_s390x'))),
        409,
        '[Cannot edit VM. Selected operating system is not supported by the architecture.]',
    )
    assert not vms_service.list(search='name=os-ppc') and _vm(connection, 'web02').get().os.type == 'rhel_9x64'


def test_a_seed_names_only_the_engines_os_types(ovirt_engine):
    with pytest.raises(KeyError, match='debian_12'):
        ovirt_engine.state.add_template('debian12-tpl2', 'Default', os_type='debian_12')
