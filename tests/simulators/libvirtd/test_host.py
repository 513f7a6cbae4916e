"""The private libvirtd the libvirt tests run on: real, private to its namespace, and gone after stop()."""

import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd import host as host_module
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures import (
    LIBVIRT_NETWORK,
    LIBVIRT_NETWORK_ADDRESS,
    LIBVIRT_POOL,
    LIBVIRT_SECOND_NETWORK,
    private_base_dir,
    require_private_libvirtd,
)
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.host import TEMPLATE_NS, PrivateLibvirtd

libvirt = pytest.importorskip('libvirt')


def bridge_of(network):
    return ET.fromstring(network.XMLDesc()).find('bridge').get('name')


def link_exists(name, host=None):
    argv = ['ip', 'link', 'show', name]
    if host is not None:
        argv = host.netns_command(argv)
    return subprocess.run(argv, capture_output=True, check=False).returncode == 0


def commands_of(pids):
    names = []
    for pid in pids:
        try:
            with open('/proc/{0}/comm'.format(pid)) as comm:
                names.append(comm.read().strip())
        except FileNotFoundError:
            pass  # ended meanwhile
    return names


def alive(pid):
    """Whether the process runs (a zombie waiting for its parent to reap it runs no more)."""
    try:
        with open('/proc/{0}/stat'.format(pid)) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except FileNotFoundError:
        return False


def test_daemon_answers_on_its_own_socket_with_the_qemu_driver(libvirt_host):
    conn = libvirt.open(libvirt_host.uri)
    try:
        assert conn.getType() == 'QEMU'
        capabilities = ET.fromstring(conn.getCapabilities())
        assert 'qemu' in [domain.get('type') for domain in capabilities.iter('domain')]
        assert sorted(pool.name() for pool in conn.listAllStoragePools()) == [LIBVIRT_POOL]
        # Only the scene's networks: the machine's own /etc/libvirt (Debian's `default` network) is not seen.
        assert sorted(net.name() for net in conn.listAllNetworks()) == sorted([LIBVIRT_NETWORK, LIBVIRT_SECOND_NETWORK])
    finally:
        conn.close()
    assert libvirt_host.uri.startswith('qemu+unix:///system?socket=' + str(libvirt_host.base_dir))
    assert oct(os.stat(libvirt_host.socket_path).st_mode & 0o777) == '0o700'


def test_networks_and_daemons_live_only_in_the_namespace(libvirt_host):
    conn = libvirt_host.connect()
    network = conn.networkLookupByName(LIBVIRT_NETWORK)
    bridge = bridge_of(network)
    assert link_exists(bridge, libvirt_host)
    assert not link_exists(bridge)
    addresses = subprocess.run(libvirt_host.netns_command(['ip', '-json', 'addr', 'show', bridge]), capture_output=True, text=True, check=True).stdout
    assert LIBVIRT_NETWORK_ADDRESS in [info['local'] for entry in json.loads(addresses) for info in entry['addr_info']]
    machine_addresses = subprocess.run(['ip', '-json', 'addr'], capture_output=True, text=True, check=True).stdout
    assert LIBVIRT_NETWORK_ADDRESS not in machine_addresses
    commands = commands_of(libvirt_host.netns_pids())
    assert {'libvirtd', 'virtlogd', 'dnsmasq'} <= set(commands)


def test_seeded_template_is_shut_off_marked_and_has_a_qcow2_disk(libvirt_host):
    domain = libvirt_host.seed_template('seed-check-tpl', LIBVIRT_POOL, LIBVIRT_NETWORK, memory_mb=96, description='seed')
    try:
        assert not domain.isActive()
        assert domain.isPersistent()
        marker = domain.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, TEMPLATE_NS)
        assert marker.strip().endswith('/>') and 'template' in marker
        root = ET.fromstring(domain.XMLDesc())
        assert root.findtext('description') == 'seed'
        assert root.find('memory').text == str(96 * 1024)
        disk = root.find('devices/disk/source').get('file')
        info = json.loads(subprocess.run(['qemu-img', 'info', '--output=json', disk], capture_output=True, text=True, check=True).stdout)
        assert info['format'] == 'qcow2' and info['virtual-size'] == 64 * 1024 * 1024
        volume = libvirt_host.connect().storageVolLookupByPath(disk)
        assert volume.storagePoolLookupByVolume().name() == LIBVIRT_POOL
        nic = root.find('devices/interface')
        assert nic.find('source').get('network') == LIBVIRT_NETWORK
        assert nic.find('mac').get('address').startswith('52:54:00:')
    finally:
        libvirt_host.remove_domains(names=['seed-check-tpl'])
    assert 'seed-check-tpl' not in [dom.name() for dom in libvirt_host.connect().listAllDomains()]
    assert not os.path.exists(disk)


def test_a_guest_runs_under_qemu_inside_the_namespace(libvirt_host):
    disk = libvirt_host.create_disk(LIBVIRT_POOL, 'guest-check.qcow2', size_mb=16)
    domain = libvirt_host.connect().defineXML(libvirt_host.domain_xml('guest-check', disks=[disk], networks=[LIBVIRT_NETWORK, LIBVIRT_SECOND_NETWORK]))
    try:
        domain.create()  # needs virtlogd: QEMU's output goes through it
        assert domain.state()[0] == libvirt.VIR_DOMAIN_RUNNING
        assert 'qemu-system-x86' in commands_of(libvirt_host.netns_pids())
        for bridge in (bridge_of(libvirt_host.connect().networkLookupByName(name)) for name in (LIBVIRT_NETWORK, LIBVIRT_SECOND_NETWORK)):
            ports = subprocess.run(
                libvirt_host.netns_command(['ip', '-o', 'link', 'show', 'master', bridge]), capture_output=True, text=True, check=True
            ).stdout
            assert 'vnet' in ports
    finally:
        libvirt_host.remove_domains(names=['guest-check'])


def test_api_calls_counts_what_reached_the_daemon(libvirt_host):
    conn = libvirt_host.connect()
    mark = libvirt_host.log_mark()
    conn.listAllDomains()
    conn.networkLookupByName(LIBVIRT_NETWORK).XMLDesc()
    assert libvirt_host.api_calls(mark) == ['virConnectListAllDomains', 'virNetworkLookupByName', 'virNetworkGetXMLDesc']


def test_api_calls_counts_rpcs_not_the_daemons_own_calls(libvirt_host):
    conn = libvirt_host.connect()
    for name in ('stats-a', 'stats-b'):
        conn.defineXML(libvirt_host.domain_xml(name, networks=[LIBVIRT_NETWORK]))
    try:
        mark = libvirt_host.log_mark()
        assert len(conn.getAllDomainStats()) >= 2
        # One RPC, although the daemon calls virDomainFree once per domain it answered with.
        assert libvirt_host.api_calls(mark) == libvirt_host.rpc_calls(mark) == ['virConnectGetAllDomainStats']
        mark = libvirt_host.log_mark()
        other = libvirt.open(libvirt_host.uri)
        other.listAllDomains()
        other.close()
        # A connection's own RPCs (open, close) count as RPCs, named by the remote protocol, and are no API call.
        calls = libvirt_host.rpc_calls(mark)
        assert calls[0] == 'REMOTE_PROC_AUTH_LIST' and 'REMOTE_PROC_CONNECT_OPEN' in calls
        assert calls[-1] == 'REMOTE_PROC_CONNECT_CLOSE'
        assert 'virConnectListAllDomains' in calls and not [call for call in calls if call.startswith('proc ')]
        assert libvirt_host.api_calls(mark) == [call for call in calls if call.startswith('vir')]
    finally:
        libvirt_host.remove_domains(names=['stats-a', 'stats-b'])


def test_stop_ends_every_process_and_deletes_the_namespace(tmp_path_factory):
    require_private_libvirtd()
    host = PrivateLibvirtd(private_base_dir(tmp_path_factory))
    with host:
        host.define_pool('p')
        host.define_network('n', '192.168.181.1')
        disk = host.create_disk('p', 'g.qcow2', size_mb=16)
        host.connect().createXML(host.domain_xml('g', disks=[disk], networks=['n']), 0)
        pids = host.netns_pids()
        assert {'libvirtd', 'virtlogd', 'dnsmasq', 'qemu-system-x86'} <= set(commands_of(pids))
        netns = host.netns
    assert not host.running
    assert netns not in subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout
    assert [pid for pid in pids if alive(pid)] == []
    host.stop()  # twice is harmless


def test_a_failed_start_leaves_nothing_behind(tmp_path_factory):
    require_private_libvirtd()
    host = PrivateLibvirtd(private_base_dir(tmp_path_factory), log_filters='this is not a filter')
    with pytest.raises(host_module.LibvirtHostError, match='libvirtd exited'):
        host.start(timeout=20)
    assert host.netns not in subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout


def test_missing_requirements_names_the_packages(monkeypatch, tmp_path):
    require_private_libvirtd()
    assert host_module.missing_requirements() == []
    monkeypatch.setattr(host_module, 'SYSTEM_PATH', str(tmp_path))
    missing = host_module.missing_requirements()
    # Every command's package, once each and sorted; the files' packages are still there.
    assert missing == sorted({package for _command, package in host_module.REQUIRED_COMMANDS})
    assert {'libvirt-daemon', 'qemu-system-x86', 'dnsmasq-base', 'iproute2'} <= set(missing)
    monkeypatch.setattr(os, 'geteuid', lambda: 0)
    assert host_module.why_unusable() == ('a private libvirtd needs these packages (bindep.txt, profile libvirt): ' + ', '.join(missing))


def test_inside_puts_a_server_in_the_namespace_and_comes_back(libvirt_host):
    before = os.readlink('/proc/thread-self/ns/net')
    with libvirt_host.inside():
        assert os.readlink('/proc/thread-self/ns/net') != before
        server = socket.socket()
        server.bind(('127.0.0.1', 0))
        server.listen(1)
    assert os.readlink('/proc/thread-self/ns/net') == before
    port = server.getsockname()[1]
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', port), timeout=5).close()
        reach = libvirt_host.netns_command([sys.executable, '-c', 'import socket; socket.create_connection(("127.0.0.1", {0}), 5)'.format(port)])
        assert subprocess.run(reach, capture_output=True, check=False).returncode == 0
    finally:
        server.close()
