"""A libvirt CPU model and OS type the host would not know, on the private libvirtd (tests/simulators/libvirtd).

libvirt defines a domain with any CPU model and refuses an unknown one only at its start ("Unknown CPU model", its
CPU driver); the driver checks a custom model against virConnectGetCPUModelNames for the domain's architecture before
it defines or changes the domain, in check mode too. An os_type is libosinfo metadata libvirt keeps as given: the
driver checks its form only. Refusals come before any write (libvirtd's own log of API calls shows none).
"""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HARDWARE_KEYS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import PLACEMENT_KEYS, ensure_vm, vm_spec
from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKEND_CLASSES, LibvirtBackend, refused_before_writing


@pytest.fixture
def libvirt_backend(request):
    return BACKEND_CLASSES[LibvirtBackend.kind].from_fixtures(request.getfixturevalue)


def model_lists(backend):
    return sum(1 for call in backend.host.api_calls(backend.mark) if 'GetCPUModelNames' in call)


def params_for(name, **options):
    """pureboot_vm's parameters as Ansible hands them over: every option present, None where not given."""
    params = dict(dict.fromkeys(HARDWARE_KEYS + PLACEMENT_KEYS), name=name, state='present')
    params.update(cloud_init=None, pxe_boot=None, wait=True, wait_timeout=120, force=False)
    params.update(options)
    return params


def test_libvirt_itself_defines_an_unknown_cpu_model_and_refuses_it_at_the_start(libvirt_backend):
    """What the check is for, on the daemon itself: the define is accepted, the start is not."""
    import libvirt

    conn = libvirt_backend.host.connect()
    assert 'Skylake-Client' in conn.getCPUModelNames('x86_64', 0) and 'no-such-cpu-type' not in conn.getCPUModelNames('x86_64', 0)
    dom = conn.defineXML(
        "<domain type='qemu'><name>raw-cpu</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>"
        "<cpu mode='custom' match='exact'><model fallback='allow'>no-such-cpu-type</model></cpu><devices/></domain>"
    )
    try:
        with pytest.raises(libvirt.libvirtError, match='Unknown CPU model no-such-cpu-type'):
            dom.create()
    finally:
        dom.undefine()


def test_an_unknown_cpu_model_is_refused_before_a_clone_or_a_blank_vm_is_made(libvirt_backend):
    backend = libvirt_backend
    with backend.driver() as driver:
        text = refused_before_writing(
            backend, lambda: driver.create_vm('cpu-typo', {'template': backend.template, 'cpu_type': 'Skylake-Clinet'}, timeout=60), "cpu_type 'Skylake-Clinet'"
        )
        assert 'not a CPU model libvirt knows for x86_64' in text and 'e.g. Skylake-Client' in text
        blank = vm_spec(
            dict(name='cpu-blank', storage=backend.pool, networks=[{'network': backend.network}], disks=[{'size_gb': 1}], cpu_type='no-such-cpu-type')
        )
        refused_before_writing(backend, lambda: driver.create_vm('cpu-blank', blank, timeout=60), "cpu_type 'no-such-cpu-type'")
        assert driver.get_vm(name='cpu-typo') is None and driver.get_vm(name='cpu-blank') is None


def test_an_unknown_cpu_model_of_a_vm_is_refused_before_its_change_in_check_mode_too(libvirt_backend):
    backend = libvirt_backend
    with backend.driver() as driver:
        vm = driver.create_vm('cpu-change', {'template': backend.template}, timeout=60)
        params = params_for('cpu-change', cpu_type='no-such-cpu-type', description='changed')
        for check_mode in (True, False):
            refused_before_writing(backend, lambda check_mode=check_mode: ensure_vm(driver, params, check_mode, vm, power=False), "cpu_type 'no-such-cpu-type'")
        assert driver.get_vm(vm_id=vm['id'])['description'] != 'changed'


def test_a_known_cpu_model_is_written_and_starts_and_the_list_is_read_once_only_for_a_model(libvirt_backend):
    backend = libvirt_backend
    with backend.driver() as driver:
        vm = driver.create_vm('cpu-known', {'template': backend.template, 'cpu_type': 'host'}, timeout=60)
        assert vm['cpu_type'] == 'host' and model_lists(backend) == 0, 'host passthrough needs no model list'
        vm = driver.apply_changes(vm, driver.diff_hardware(vm, {'cpu_type': 'qemu64'}), timeout=60)
        vm = driver.apply_changes(vm, driver.diff_hardware(vm, {'cpu_type': 'Nehalem'}), timeout=60)
        assert vm['cpu_type'] == 'Nehalem' and model_lists(backend) == 1, 'once a session'
        assert driver.diff_hardware(driver.get_vm(vm_id=vm['id']), {'cpu_type': 'Nehalem'}) == {}
        running = driver.power(vm, 'start', timeout=60)
        assert running['status'] == 'running'
        driver.power(running, 'stop', timeout=60)


def test_an_os_type_that_is_no_libosinfo_id_is_refused_before_any_write(libvirt_backend):
    """libvirt keeps the libosinfo metadata as given: only the id's form is checked, a short id such as debian12
    included; a well-formed id is written as it is."""
    backend = libvirt_backend
    with backend.driver() as driver:
        refused_before_writing(
            backend,
            lambda: driver.create_vm('os-short', {'template': backend.template, 'os_type': 'debian12'}, timeout=60),
            "got 'debian12'",
            'http://debian.org/debian/12',
        )
        vm = driver.create_vm('os-id', {'template': backend.template, 'os_type': 'http://debian.org/debian/12'}, timeout=60)
        assert vm['os_type'] == 'http://debian.org/debian/12'
        refused_before_writing(backend, lambda: ensure_vm(driver, params_for('os-id', os_type='l26'), True, vm, power=False), "got 'l26'")
