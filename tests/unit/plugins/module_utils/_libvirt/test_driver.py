"""The libvirt driver's own rules: URIs, the domain XML it reads and writes, and libvirt's errors as typed errors.

The whole lifecycle also runs here on libvirt's in-process test driver (test:///default), which answers in
microseconds; the contract suite runs it on a real libvirtd with QEMU (tests/contract).
"""

import os
import sys
import xml.etree.ElementTree as ET

import pytest

libvirt = pytest.importorskip('libvirt')

# pylint: disable=wrong-import-position
from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection, diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    ConflictError,
    HypervisorError,
    InvalidInputError,
    MissingLibraryError,
    NotFoundError,
    TLSError,
    UnreachableError,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt import driver as _libvirt
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.domain_xml import (
    TEMPLATE_MARKER,
    apply_hardware,
    clone_definition,
    parse_domain,
    to_xml,
    volume_xml,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.driver import LibvirtDriver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.sdk import libvirt as libvirt_sdk
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.states import domain_status, guest_addresses
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.uri import PLACEHOLDER_CA, check_uri, client_pki_files, uri_transport

SECRET = 'S3cret-Sasl-42'

DOMAIN = """<domain type='kvm'>
  <name>web-1</name>
  <uuid>0F5A3C2E-1111-4222-8333-444455556666</uuid>
  <genid>11111111-2222-3333-4444-555555555555</genid>
  <description>front end</description>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://ubuntu.com/ubuntu/24.04"/>
    </libosinfo:libosinfo>
    <pbh:vm xmlns:pbh="https://pureboot.io/xmlns/hypervisors/1"><pbh:tag>web</pbh:tag><pbh:tag>lab</pbh:tag></pbh:vm>
  </metadata>
  <memory unit='GiB'>2</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <sysinfo type='smbios'><system><entry name='uuid'>0f5a3c2e-1111-4222-8333-444455556666</entry>
    <entry name='serial'>ABC</entry></system></sysinfo>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
    <nvram>/var/lib/libvirt/qemu/nvram/web-1_VARS.fd</nvram>
  </os>
  <cpu mode='host-passthrough'><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>
  <devices>
    <disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='vms' volume='web-1-vda.qcow2'/>
      <target dev='vda' bus='virtio'/><boot order='2'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/isos/install.iso'/>
      <target dev='sda' bus='sata'/></disk>
    <interface type='network'><mac address='52:54:00:AA:BB:01'/><source network='default'/>
      <target dev='vnet3'/><model type='virtio'/><boot order='1'/></interface>
    <interface type='bridge'><mac address='52:54:00:aa:bb:02'/><source bridge='br0'/><model type='e1000'/></interface>
    <channel type='unix'><source mode='bind' path='/run/libvirt/qemu/channel/1-web-1/org.qemu.guest_agent.0'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/></channel>
  </devices>
</domain>"""


def connection(**overrides):
    options = {'type': 'libvirt', 'name': 'kvm1', 'api_url': 'qemu+ssh://root@kvm1.example.com/system'}
    options.update(overrides)
    return Connection({k: v for k, v in options.items() if v is not None})


def libvirt_error(code, domain, message):
    """A libvirtError carrying the error libvirt would set (its err tuple: code, domain, message, level, ...)."""
    error = libvirt.libvirtError(message)
    error.err = (code, domain, message, libvirt.VIR_ERR_ERROR, None, None, None, 0, 0)
    return error


# ------------------------------------------------------------------------------------------------- URIs
@pytest.mark.parametrize(
    'uri, transport',
    [
        ('qemu:///system', ''),
        ('qemu+unix:///system?socket=/run/x/libvirt-sock', 'unix'),
        ('qemu+ssh://root@kvm1.example.com/system', 'ssh'),
        ('qemu+libssh2://root@kvm1.example.com:2222/system?known_hosts=/k', 'libssh2'),
        ('qemu+tls://kvm1.example.com/system', 'tls'),
        ('qemu://kvm1.example.com/system', 'tls'),
        ('qemu+tcp://127.0.0.1:16509/system', 'tcp'),
        ('qemu+tcp://localhost/system', 'tcp'),
        ('qemu+tcp://[::1]/system', 'tcp'),
        ('test:///default', ''),
    ],
)
def test_libvirt_uris_are_accepted(uri, transport):
    assert uri_transport(check_uri(uri, 'kvm1')) == transport


@pytest.mark.parametrize(
    'uri',
    [
        'https://kvm1.example.com',
        'xen:///system',
        'qemu+ext:///system?command=/bin/sh',
        'lxc:///',
        'qemu+ssh:///system',
        'qemu+tls:///system',
        'qemu+tcp://h:99999/system',
    ],
)
def test_other_uris_are_refused_in_one_line(uri):
    with pytest.raises(InvalidInputError) as caught:
        check_uri(uri, 'kvm1')
    assert str(caught.value).startswith('kvm1: ') and '\n' not in str(caught.value)


@pytest.mark.parametrize('host', ['kvm1.example.com', '10.0.0.5', '[fe80::1]'])
def test_qemu_tcp_to_another_host_is_refused_for_sending_cleartext(host):
    with pytest.raises(InvalidInputError) as caught:
        LibvirtDriver(connection(api_url='qemu+tcp://{0}/system'.format(host), username='admin', password=SECRET))
    text = str(caught.value)
    assert 'cleartext' in text and 'qemu+tls://' in text and 'qemu+ssh://' in text
    assert SECRET not in text


def test_ssh_uris_never_prompt_and_skip_host_keys_only_when_asked():
    assert LibvirtDriver(connection())._uri() == 'qemu+ssh://root@kvm1.example.com/system?no_tty=1'
    assert LibvirtDriver(connection(verify_ssl=False))._uri() == 'qemu+ssh://root@kvm1.example.com/system?no_tty=1&no_verify=1'
    given = 'qemu+ssh://root@kvm1.example.com/system?keyfile=/home/a/.ssh/id_kvm&no_tty=0'
    assert LibvirtDriver(connection(api_url=given))._uri() == given


def test_tls_ca_file_goes_into_a_private_pki_folder_removed_on_close(tmp_path):
    ca_file = tmp_path / 'ca.pem'
    ca_file.write_text('CA')
    pki = tmp_path / 'pki'
    pki.mkdir()
    (pki / 'clientcert.pem').write_text('CERT')
    (pki / 'clientkey.pem').write_text('KEY')
    api_url = 'qemu+tls://kvm1.example.com/system'
    driver = LibvirtDriver(connection(api_url=api_url, ca_file=str(ca_file), verify_ssl=True))
    driver.parts = check_uri(api_url + '?pkipath_client=1', 'kvm1')  # an unrelated parameter is kept as given
    uri = driver._uri()
    folder = uri.split('pkipath=')[1]
    assert uri.startswith(api_url + '?pkipath_client=1&pkipath=/')
    assert open(os.path.join(folder, 'cacert.pem')).read() == 'CA'
    driver.close()
    assert not os.path.exists(folder)
    assert client_pki_files(str(pki)) == {'clientcert.pem': str(pki / 'clientcert.pem'), 'clientkey.pem': str(pki / 'clientkey.pem')}
    assert client_pki_files(euid=1000, home=str(tmp_path)) == {}
    # Not verifying: libvirt still loads a CA file, so it gets a placeholder that vouches for nothing.
    unverified = LibvirtDriver(connection(api_url=api_url, verify_ssl=False))
    uri = unverified._uri()
    assert uri.startswith(api_url + '?no_verify=1&pkipath=/')
    assert open(os.path.join(uri.split('pkipath=')[1], 'cacert.pem')).read() == PLACEHOLDER_CA
    unverified.close()


def test_the_pki_folder_is_gone_once_a_connection_attempt_ends(tmp_path, unused_tcp_port):
    # libvirt reads the folder while it opens a connection; after that a task killed mid-run leaves no CA copy.
    ca_file = tmp_path / 'ca.pem'
    ca_file.write_text('CA')
    driver = LibvirtDriver(connection(api_url='qemu+tls://127.0.0.1:{0}/system'.format(unused_tcp_port), ca_file=str(ca_file), timeout=10))
    made = []
    make_folder = driver._pki_path
    driver._pki_path = lambda: made.append(make_folder()) or made[-1]
    with pytest.raises(HypervisorError):
        driver.connect()
    assert len(made) == 1 and not os.path.exists(made[0])
    driver.close()


def test_username_without_password_is_missing_credentials():
    with pytest.raises(InvalidInputError) as caught:
        LibvirtDriver(connection(username='admin'))
    assert 'missing credentials' in str(caught.value)
    LibvirtDriver(connection())  # no credentials at all: SSH keys, TLS certificates or the socket log in


@pytest.mark.parametrize('option', ['token', 'api_token_secret'])
def test_foreign_connection_options_are_refused(option):
    with pytest.raises(InvalidInputError) as caught:
        driver_for(dict(type='libvirt', name='kvm1', api_url='qemu:///system', **{option: SECRET}))
    assert "'{0}' does not apply to libvirt".format(option) in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_missing_binding_fails_with_missing_required_lib(monkeypatch):
    # As if libvirt-python were not installed: Python refuses to import a module whose sys.modules entry is None.
    monkeypatch.setitem(sys.modules, 'libvirt', None)
    monkeypatch.setattr(libvirt_sdk, '_module', None)
    with pytest.raises(MissingLibraryError) as caught:
        LibvirtDriver(connection())
    assert 'libvirt-python' in str(caught.value)


# ------------------------------------------------------------------------------------------ domain XML
def test_a_definition_is_read_into_the_record_fields():
    facts = parse_domain(DOMAIN)
    assert (facts['name'], facts['uuid'], facts['vcpus'], facts['memory_kib']) == ('web-1', '0f5a3c2e-1111-4222-8333-444455556666', 2, 2 * 1024 * 1024)
    assert facts['boot_order'] == ['network', 'disk']  # from the devices' <boot order>
    assert facts['firmware'] == 'uefi' and facts['agent'] and not facts['template']
    assert facts['tags'] == ['web', 'lab'] and facts['description'] == 'front end'
    assert facts['os_type'] == 'http://ubuntu.com/ubuntu/24.04' and facts['arch'] == 'x86_64'
    assert [(n['name'], n['mac'], n['network'], n['model']) for n in facts['nics']] == [
        ('net0', '52:54:00:aa:bb:01', 'default', 'virtio'),
        ('net1', '52:54:00:aa:bb:02', 'bridge:br0', 'e1000'),
    ]
    assert [(d['device'], d['type'], d['pool'], d['volume'], d['path']) for d in facts['disks']] == [
        ('disk', 'volume', 'vms', 'web-1-vda.qcow2', None),
        ('cdrom', 'file', None, None, '/isos/install.iso'),
    ]


def test_the_template_marker_and_firmware_autoselection_are_recognised():
    facts = parse_domain(
        "<domain type='qemu'><name>t</name><metadata>{0}</metadata><os firmware='efi'><type>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os></domain>".format(
            TEMPLATE_MARKER
        )
    )
    assert facts['template'] and facts['firmware'] == 'uefi' and facts['boot_order'] == ['disk', 'cdrom']
    assert facts['memory_kib'] is None and facts['nics'] == [] and facts['tags'] == []


def record_of(xml_text):
    facts = parse_domain(xml_text)
    return {
        'cpu_cores': facts['vcpus'],
        'memory_mb': facts['memory_kib'] // 1024,
        'nics': [dict(n, vlan=None) for n in facts['nics']],
        'boot_order': facts['boot_order'],
        'firmware': facts['firmware'],
        'description': facts['description'],
        'tags': facts['tags'],
    }


def test_changes_are_written_so_that_reading_back_shows_no_difference():
    wanted = {
        'cpu_cores': 4,
        'memory_mb': 3072,
        'boot_order': ['disk', 'network'],
        'firmware': 'bios',
        'description': 'rebuilt',
        'tags': ['db'],
        'networks': [{'network': 'bridge:br1'}, {'network': 'default', 'model': 'e1000'}, {'network': 'isolated', 'mac': '52:54:00:CC:DD:03'}],
    }
    before = record_of(DOMAIN)
    changes = diff_hardware(before, wanted)
    assert set(changes) == set(wanted)
    root = apply_hardware(ET.fromstring(DOMAIN), changes)
    written = to_xml(root)
    assert diff_hardware(record_of(written), wanted) == {}
    after = parse_domain(written)
    # The first NIC keeps its MAC on its new bridge; the old network's port (target) is gone.
    assert after['nics'][0]['mac'] == '52:54:00:aa:bb:01' and after['nics'][0]['network'] == 'bridge:br1'
    assert root.find('devices/interface/target') is None
    assert after['nics'][2]['mac'] == '52:54:00:cc:dd:03'
    # The topology still multiplies out to the vCPUs; per-device boot orders made way for <os><boot>.
    assert root.find('cpu/topology').attrib == {'sockets': '1', 'dies': '1', 'cores': '4', 'threads': '1'}
    assert root.findall('devices/*/boot') == [] and root.find('os/loader') is None and root.find('os/nvram') is None
    assert root.find('currentMemory').text == str(3072 * 1024)
    # Other metadata stays as it was.
    assert after['os_type'] == 'http://ubuntu.com/ubuntu/24.04'


def test_fewer_networks_remove_the_last_nics_and_uefi_asks_libvirt_for_its_firmware():
    before = record_of(DOMAIN)
    changes = diff_hardware(dict(before, firmware='bios'), {'networks': [{'network': 'default'}], 'firmware': 'uefi'})
    root = apply_hardware(ET.fromstring(DOMAIN), changes)
    assert [n['network'] for n in parse_domain(to_xml(root))['nics']] == ['default']
    assert root.find('os').get('firmware') == 'efi'
    empty = apply_hardware(ET.fromstring(DOMAIN), {'description': {'before': 'front end', 'after': ''}, 'tags': {'before': ['web'], 'after': []}})
    assert empty.find('description') is None and parse_domain(to_xml(empty))['tags'] == []


def test_a_clone_gets_new_identity_and_its_own_volumes():
    template = DOMAIN.replace(
        '<pbh:vm xmlns:pbh="https://pureboot.io/xmlns/hypervisors/1"><pbh:tag>web</pbh:tag><pbh:tag>lab</pbh:tag></pbh:vm>', TEMPLATE_MARKER
    )
    assert parse_domain(template)['template']
    root = clone_definition(template, 'web-2', {'vda': ('fast', 'web-2-vda.qcow2')}, domain_type='qemu')
    facts = parse_domain(to_xml(root))
    assert (facts['name'], facts['uuid'], facts['type'], facts['template']) == ('web-2', None, 'qemu', False)
    assert root.find('genid') is None and root.find("sysinfo/system/entry[@name='uuid']") is None
    assert root.find("sysinfo/system/entry[@name='serial']") is not None
    assert [n['mac'] for n in facts['nics']] == [None, None]  # libvirt makes new ones
    assert root.find('os/nvram') is None and root.find('devices/channel/source') is None
    assert [(d['pool'], d['volume'], d['path']) for d in facts['disks']] == [
        ('fast', 'web-2-vda.qcow2', None),
        (None, None, '/isos/install.iso'),
    ]  # the ISO is shared


def test_volumes_are_overlays_or_copies():
    overlay = ET.fromstring(volume_xml('a-vda.qcow2', 8 * 1024**3, backing={'path': '/p/t.img', 'format': 'raw'}))
    assert overlay.findtext('backingStore/path') == '/p/t.img'
    assert overlay.find('backingStore/format').get('type') == 'raw'
    assert overlay.find('target/format').get('type') == 'qcow2' and overlay.findtext('capacity') == str(8 * 1024**3)
    assert ET.fromstring(volume_xml('b-vda.qcow2', 1024)).find('backingStore') is None


def test_states_and_addresses():
    assert domain_status(libvirt.VIR_DOMAIN_RUNNING) == 'running'
    assert domain_status(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_STARTING_UP) == 'starting'
    assert domain_status(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER) == 'paused'
    assert domain_status(libvirt.VIR_DOMAIN_SHUTDOWN) == 'stopping'
    assert domain_status(libvirt.VIR_DOMAIN_PMSUSPENDED) == 'suspended'
    assert domain_status(libvirt.VIR_DOMAIN_NOSTATE) == 'unknown'
    addresses = [{'addr': '192.0.2.10'}, {'addr': 'fe80::1'}, {'addr': '2001:db8::10'}, {'addr': 'not-an-ip'}]
    answer = {'lo': {'addrs': [{'addr': '127.0.0.1'}]}, 'eth0': {'hwaddr': '52:54:00:aa:bb:01', 'addrs': addresses}}
    assert guest_addresses(answer) == ['192.0.2.10', '2001:db8::10']


# ---------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    'code, domain, message, expected',
    [
        (libvirt.VIR_ERR_AUTH_FAILED, libvirt.VIR_FROM_AUTH, 'authentication failed: SASL(-13): user not found', AuthError),
        (libvirt.VIR_ERR_ACCESS_DENIED, libvirt.VIR_FROM_ACCESS, "access denied: 'domain' 'write'", AuthError),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, 'Cannot recv data: root@kvm1: Permission denied (publickey,password).', AuthError),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, 'Cannot recv data: Host key verification failed.', TLSError),
        (libvirt.VIR_ERR_GNUTLS_ERROR, libvirt.VIR_FROM_RPC, 'The certificate is not trusted.', TLSError),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, 'Cannot read CA certificate /etc/pki/CA/cacert.pem', TLSError),
        (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_QEMU, "Domain not found: no domain with matching name 'x'", NotFoundError),
        (libvirt.VIR_ERR_OPERATION_TIMEOUT, libvirt.VIR_FROM_QEMU, 'Timed out during operation: cannot acquire state change lock', ConflictError),
        (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_QEMU, 'Requested operation is not valid: domain is not running', ConflictError),
        (libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_FROM_DOMAIN, 'XML error: bad MAC', InvalidInputError),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, "Failed to connect socket to '/run/libvirt/libvirt-sock': Connection refused", UnreachableError),
        (libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_RPC, 'client socket is closed', UnreachableError),
        (libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_QEMU, 'qemu unexpectedly closed the monitor', ApiError),
    ],
)
def test_libvirt_errors_become_typed_one_line_errors(code, domain, message, expected):
    driver = LibvirtDriver(connection(username='admin', password=SECRET))
    error = driver.translate_error(libvirt_error(code, domain, message + '\n' + SECRET), "VM 'web-1'")
    assert type(error) is expected  # pylint: disable=unidiomatic-typecheck
    text = str(error)
    assert text.startswith("kvm1: VM 'web-1': ") and '\n' not in text and SECRET not in text


def test_a_lost_connection_is_told_from_a_request_that_never_left():
    assert _libvirt._connection_lost(libvirt_error(libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, 'Cannot write data: Broken pipe'))
    assert _libvirt._not_sent(libvirt_error(libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, 'Cannot write data: Broken pipe'))
    ended = libvirt_error(libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, 'End of file while reading data')
    assert _libvirt._connection_lost(ended) and not _libvirt._not_sent(ended)
    assert not _libvirt._connection_lost(libvirt_error(libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_QEMU, 'no domain'))


# ------------------------------------------------------------------------ the lifecycle on test:///default
@pytest.fixture
def test_host():
    """libvirt's in-process test driver with a template (its marker, one disk volume, one NIC on `default`)."""
    conn = libvirt.open('test:///default')
    pool = conn.storagePoolLookupByName('default-pool')
    if 'tpl.qcow2' not in pool.listVolumes():
        pool.createXML("<volume><name>tpl.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>", 0)
    # The test driver's state lives as long as the process: the template of an earlier test is still there.
    if 'tpl' not in [dom.name() for dom in conn.listAllDomains(0)]:
        conn.defineXML(
            """<domain type='test'><name>tpl</name><memory unit='MiB'>1024</memory><vcpu>1</vcpu>
          <metadata>{0}</metadata><os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
          <devices><disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>
          <source pool='default-pool' volume='tpl.qcow2'/><target dev='vda' bus='virtio'/></disk>
          <interface type='network'><source network='default'/><model type='virtio'/></interface></devices>
          </domain>""".format(TEMPLATE_MARKER)
        )
    yield conn
    for dom in conn.listAllDomains(0):
        if dom.name() not in ('test', 'tpl'):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    conn.close()


def test_the_lifecycle_on_the_test_driver(test_host):  # pylint: disable=redefined-outer-name
    pool = test_host.storagePoolLookupByName('default-pool')
    with driver_for({'type': 'libvirt', 'name': 'tst', 'api_url': 'test:///default'}) as driver:
        assert driver.facts()['template_count'] == 1 and driver.facts()['host_count'] == 1
        assert [t['name'] for t in driver.list_templates()] == ['tpl']
        vm = driver.create_vm(
            'unit-1',
            {'template': 'tpl', 'cpu_cores': 2, 'tags': ['x'], 'clone_mode': 'linked', 'networks': [{'network': 'default'}, {'network': 'bridge:br0'}]},
            10,
        )
        assert (vm['cpu_cores'], vm['tags'], vm['template'], vm['status']) == (2, ['x'], False, 'stopped')
        assert [n['network'] for n in vm['nics']] == ['default', 'bridge:br0'] and all(n['mac'] for n in vm['nics'])
        assert 'unit-1-vda.qcow2' in pool.listVolumes()
        with pytest.raises(ConflictError):
            driver.create_vm('unit-1', {'template': 'tpl'}, 10)
        with pytest.raises(NotFoundError) as caught:
            driver.create_vm('unit-2', {'template': 'tpl', 'networks': [{'network': 'nope'}]}, 10)
        assert "network 'nope' not found; available: default" in str(caught.value)
        with pytest.raises(NotFoundError) as caught:
            driver.create_vm('unit-2', {'template': 'tpl', 'storage': 'nope'}, 10)
        assert 'available: default-pool' in str(caught.value)
        with pytest.raises(InvalidInputError):
            driver.create_vm('unit-2', {'template': 'tpl', 'cluster': 'c1'}, 10)
        assert driver.get_vm(name='unit-2') is None and 'unit-2-vda.qcow2' not in pool.listVolumes()
        vm = driver.apply_changes(vm, diff_hardware(vm, {'memory_mb': 2048, 'description': 'd'}), 10)
        assert (vm['memory_mb'], vm['description']) == (2048, 'd')
        assert driver.list_vms(name='unit-*', tags=['X'])[0]['id'] == vm['id']
        with pytest.raises(NotFoundError) as caught:
            driver.list_vms(node='elsewhere')
        # The test driver names the host as this machine is named.
        assert "node 'elsewhere' not found; available: {0}".format(test_host.getHostname()) in str(caught.value)
        assert driver.power(vm, 'start', 10)['status'] == 'running'
        assert driver.list_vms(name='unit-*', status='stopped') == []
        assert driver.power(vm, 'reboot', 10)['status'] == 'running'
        assert driver.power(vm, 'stop', 10)['status'] == 'stopped'
        driver.delete_vm(vm, 10)
        assert driver.get_vm(vm_id=vm['id']) is None and 'unit-1-vda.qcow2' not in pool.listVolumes()
        assert driver.get_vm(vm_id='not-a-uuid') is None


def test_a_listing_reads_every_autostart_flag_at_once_and_gets_what_a_lookup_gets(test_host):  # pylint: disable=redefined-outer-name
    with driver_for({'type': 'libvirt', 'name': 'tst', 'api_url': 'test:///default'}) as driver:
        made = [driver.create_vm('auto-{0}'.format(n), {'template': 'tpl', 'clone_mode': 'linked'}, 10) for n in (1, 2)]
        test_host.lookupByName('auto-2').setAutostart(1)
        listed = driver.list_vms(name='auto-*')
        assert [(vm['name'], vm['start_on_boot']) for vm in listed] == [('auto-1', False), ('auto-2', True)]
        assert listed == [driver.get_vm(vm_id=vm['id']) for vm in made]
        for vm in made:
            driver.delete_vm(vm, 10)


def test_a_kvm_template_runs_under_tcg_where_the_host_cannot_run_kvm():
    # libvirt's test driver has no domain capabilities, as a host without a usable /dev/kvm has no KVM in them.
    with driver_for({'type': 'libvirt', 'name': 'tst', 'api_url': 'test:///default'}) as driver:
        assert driver._domain_type('kvm', 'x86_64', None) == 'qemu'
        assert driver._domain_type('qemu', 'x86_64', None) == 'qemu'
        assert driver._domain_type(None, 'x86_64', None) == 'qemu'
        assert driver._kvm == {('x86_64', None): False}  # asked once per architecture and machine


def test_check_mode_predicts_the_record_create_vm_returns(test_host):  # pylint: disable=redefined-outer-name
    spec = {
        'template': 'tpl',
        'name': 'unit-3',
        'cpu_cores': 2,
        'tags': ['Web'],
        'firmware': 'uefi',
        'networks': [{'network': 'default'}, {'network': 'bridge:br0', 'model': 'e1000'}],
        'pxe_boot': True,
        'boot_order': ['network', 'disk'],
    }
    with driver_for({'type': 'libvirt', 'name': 'tst', 'api_url': 'test:///default'}) as driver:
        domains = len(test_host.listAllDomains(0))
        predicted = driver.predict_vm(spec, driver.preflight(spec))
        assert len(test_host.listAllDomains(0)) == domains, 'the prediction defined a domain'
        assert predicted['id'] is None and predicted['uuid'] is None
        assert [(n['name'], n['mac'], n['model']) for n in predicted['nics']] == [('net0', None, 'virtio'), ('net1', None, 'e1000')]
        real = driver.create_vm('unit-3', spec, 10)
        for key in set(real) - {'id', 'uuid', 'ip_addresses', 'nics'}:
            assert predicted[key] == real[key], key
        assert [dict(n, mac=None) for n in real['nics']] == predicted['nics']
        assert (real['tags'], real['firmware'], real['boot_order']) == (['web'], 'uefi', ['network', 'disk'])
        assert driver.new_nic_name(['net0', 'net1']) == 'net2'


@pytest.mark.parametrize(
    'mistake, expected',
    [
        ({'networks': [], 'pxe_boot': True, 'boot_order': ['network', 'disk']}, 'pxe_boot needs a NIC'),
        ({'networks': [], 'boot_order': ['network']}, 'boot_order names network, and the VM has no NIC'),
        ({'boot_order': ['cdrom', 'disk']}, 'boot_order names cdrom, and the VM has no such device'),
        ({'node': 'elsewhere'}, "node 'elsewhere' not found; available: {host}"),
        # libvirt would define the domain and fail at its start: its CPU models for the template's x86_64.
        ({'cpu_type': 'no-such-cpu-type'}, "cpu_type 'no-such-cpu-type' is not a CPU model libvirt knows for x86_64"),
        # libvirt keeps any libosinfo id: only the form the module documents is checked.
        ({'os_type': 'debian12'}, 'os_type must be linux, windows, other or a libosinfo OS id such as http://debian.org/debian/12'),
    ],
)
def test_a_wrong_boot_order_or_node_fails_before_any_write(test_host, mistake, expected):  # pylint: disable=redefined-outer-name
    pool = test_host.storagePoolLookupByName('default-pool')
    expected = expected.format(host=test_host.getHostname())
    with driver_for({'type': 'libvirt', 'name': 'tst', 'api_url': 'test:///default'}) as driver:
        with pytest.raises((InvalidInputError, NotFoundError)) as caught:
            driver.create_vm('unit-4', dict(mistake, template='tpl'), 10)
        assert expected in str(caught.value) and "VM 'unit-4'" in str(caught.value)
        assert driver.get_vm(name='unit-4') is None and 'unit-4-vda.qcow2' not in pool.listVolumes()


def test_the_host_status_is_a_common_word(test_host):  # pylint: disable=redefined-outer-name
    with driver_for({'type': 'libvirt', 'name': 'tst', 'api_url': 'test:///default'}) as driver:
        assert driver.facts()['hosts'] == [{'name': test_host.getHostname(), 'status': 'online'}]


# ------------------------------------------------------------------ cloud-init seed
def test_the_seed_is_attached_once_as_a_read_only_cdrom_after_the_disks():
    import xml.etree.ElementTree as ET

    from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init import attach_seed, is_seed_disk

    root = ET.fromstring(
        "<domain type='kvm'><name>web</name><os><type machine='pc'>hvm</type></os><devices>"
        "<disk type='volume' device='disk'><source pool='p' volume='web-vda.qcow2'/><target dev='vda' bus='virtio'/>"
        "</disk><disk type='file' device='cdrom'><source file='/iso/x.iso'/><target dev='hdc' bus='ide'/></disk>"
        "<interface type='network'><source network='default'/></interface></devices></domain>"
    )
    assert attach_seed(root, 'p', 'web-cidata.iso') is True
    assert attach_seed(root, 'p', 'web-cidata.iso') is False
    devices = [child.tag for child in root.find('devices')]
    assert devices == ['disk', 'disk', 'disk', 'interface']
    seed = root.find('devices').findall('disk')[2]
    assert seed.find('target').attrib == {'dev': 'hdd', 'bus': 'ide'} and seed.find('readonly') is not None
    facts = parse_domain(ET.tostring(root, encoding='unicode'))
    assert [is_seed_disk(d, 'web') for d in facts['disks']] == [False, False, True]
    # q35 has no IDE: SATA.
    q35 = ET.fromstring("<domain><name>db</name><os><type machine='pc-q35-8.2'>hvm</type></os><devices/></domain>")
    attach_seed(q35, 'p', 'db-cidata.iso')
    assert q35.find('devices/disk/target').attrib == {'dev': 'sda', 'bus': 'sata'}
