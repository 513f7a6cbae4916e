"""Proxmox VE's rules beyond its API schema, met through the driver as a user's playbook meets them.

The double (tests/simulators/fakepve_net/rules.py) refuses or stores what a real PVE does; each test here shows one
rule the collection breaks today (issue 22) and is marked xfail(strict=True) until the driver is fixed: the fix
makes it pass, and strict makes the then-unexpected pass fail until the marker is removed.

The looser input checks: PVE refuses these values too (its schema, checked on every request by
tests/simulators/pve_schema, or ssh-keygen); the collection must refuse them itself, in one line naming the
hypervisor and the VM, before it writes anything.
"""

import urllib.parse

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import diff_cloud_init, empty_settings, normalize_cloud_init
from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import HypervisorError, InvalidInputError
from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.reliability.chaos import LOST_ANSWER, DropProxy
from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.rules import stored_description


def pending(rule):
    return pytest.mark.xfail(strict=True, reason='issue 22 rule {0}: driver fix pending'.format(rule))


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    return ProxmoxBackend(fakepve, fakepve_cafile)


@pytest.fixture
def driver(pve):
    return pve.driver()


def clone(pve, driver, name, **spec):
    return driver.create_vm(name, dict({'template': pve.template}, **spec), timeout=120)


def writes_of(pve, method=None, suffix=''):
    """The write requests fakepve saw (logins aside), optionally of one method and path ending."""
    return [
        (m, p) for m, p, _body in pve.pve.requests if m != 'GET' and not p.endswith('/access/ticket') and (method is None or m == method) and p.endswith(suffix)
    ]


# ------------------------------------------------------------------------------------------- the five rules
def test_a_template_on_local_storage_is_not_cloned_to_another_node(pve, driver):
    """PVE clones to another node (target) only from shared storage; the second template's disk is on pve1's
    local-lvm. The collection must say so before it writes (check mode asks the same preflight), naming the
    storage — or make the VM on pve2 another way."""
    spec = {'template': pve.other_template, 'node': 'pve2', 'name': 'to-pve2'}
    try:
        driver.preflight(spec)
        vm = driver.create_vm('to-pve2', spec, timeout=120)
    except HypervisorError as exc:
        assert isinstance(exc, InvalidInputError) and 'local-lvm' in str(exc), str(exc)
        assert writes_of(pve) == [], 'refused after a write'
    else:
        assert vm['node'] == 'pve2' and pve.pve.vm(int(vm['id'])).node == 'pve2'


@pytest.mark.fakepve(time_scale=0.05)
def test_a_lost_shutdown_answer_finds_the_running_task(pve):
    """The shutdown task runs for a while (20 PVE seconds, 1 s here). Its answer is lost; the read-back must find
    the running task — GET /nodes/{node}/tasks lists running tasks only with source=active or all — and never
    send the shutdown a second time."""
    proxy = DropProxy(pve.pve.url, pve.cafile).start()
    try:
        with pve.driver(api_url=proxy.url, ca_file=proxy.cafile) as driver:
            vm = clone(pve, driver, 'lost-shutdown')
            vm = driver.power(vm, 'start', timeout=60)
            pve.pve.vm(int(vm['id'])).shutdown_secs = 20
            proxy.lose_next('POST', '/status/shutdown', LOST_ANSWER)
            vm = driver.power(vm, 'shutdown', timeout=120)
        reached = [e for e in proxy.reached_server() if e['method'] == 'POST' and e['path'].endswith('/shutdown')]
    finally:
        proxy.stop()
    assert len(reached) == 1, 'the shutdown was sent again while its task ran'
    assert vm['status'] == 'stopped'


def test_a_description_ending_in_a_newline_converges(pve, driver):
    """`description: |` in YAML ends with a newline; PVE stores the text with its trailing whitespace stripped.
    Written once, the next run must find nothing to change."""
    spec = {'template': pve.template, 'description': 'Web server\nowner: lab\n'}
    vm = clone(pve, driver, 'described', description=spec['description'])
    assert pve.pve.vm(int(vm['id'])).config['description'] == stored_description(spec['description'])
    again = driver.get_vm(vm_id=vm['id'])
    assert diff_hardware(again, spec) == {}, 'a change reported (and written) on every run'


def test_ip_config_entries_go_to_the_nics_slots(pve, driver):
    """The VM's NICs are net0 and net2 (a NIC removed by hand). ipconfigN configures netN only (PVE's cloud-init
    ignores an ipconfigN without netN): three entries for two NICs cannot all apply, so the collection refuses
    them before writing — or every entry lands on a NIC and the next run finds nothing to change."""
    vm = clone(pve, driver, 'two-nics')
    config = pve.pve.vm(int(vm['id'])).config
    config['net2'] = 'virtio=BC:24:11:00:90:22,bridge=vmbr1'
    vm = driver.get_vm(vm_id=vm['id'])
    entries = [{'address': '192.0.2.10/24'}, {'address': '198.51.100.10/24'}, {'address': '203.0.113.10/24'}]
    before = len(writes_of(pve))
    try:
        settings = normalize_cloud_init({'ip_config': entries}, 'pve-test', "VM 'two-nics'")
        after = driver.write_cloud_init(vm, settings, diff_cloud_init(empty_settings(), settings), timeout=60)
    except HypervisorError as exc:
        assert isinstance(exc, InvalidInputError) and 'ip_config' in str(exc), str(exc)
        assert len(writes_of(pve)) == before, 'refused after a write'
        return
    applied = pve.pve.cloud_init_interfaces(vm['id'])
    for entry in entries:
        assert any(value.startswith('ip=' + entry['address']) for value in applied.values()), (entry, applied)
    assert diff_cloud_init(after, settings) == {}, 'the written entries do not read back: never converges'


def test_memory_is_lowered_below_the_balloon_target_consistently(pve, driver):
    """An admin set the balloon target (1024 MiB) on the VM; lowering its memory to 512 MiB must keep memory and
    balloon consistent (PVE refuses memory below the balloon target) — or fail in one line before writing."""
    vm = clone(pve, driver, 'ballooned')
    pve.pve.vm(int(vm['id'])).config['balloon'] = 1024
    vm = driver.get_vm(vm_id=vm['id'])
    changes = diff_hardware(vm, {'memory_mb': 512})
    before = len(writes_of(pve))
    try:
        driver.apply_changes(vm, changes, timeout=60)
    except HypervisorError as exc:
        assert 'balloon' in str(exc) and 'too large' not in str(exc), "PVE's refusal passed on: " + str(exc)
        assert len(writes_of(pve)) == before, 'refused after a write'
        return
    config = pve.pve.vm(int(vm['id'])).config
    assert int(config['memory']) == 512 and int(config.get('balloon') or 0) <= 512


# ------------------------------------------------------------------------------------- the looser input checks
def refused_before_any_write(pve, action, *words):
    """action() fails with the collection's own one-line InvalidInputError naming the hypervisor, before any
    request that writes."""
    before = len(writes_of(pve))
    with pytest.raises(InvalidInputError) as caught:
        action()
    text = str(caught.value)
    assert '\n' not in text and text.startswith('pve-test: ') and all(word in text for word in words), text
    assert 'Parameter verification failed' not in text, 'PVE refused it, not the collection'
    assert len(writes_of(pve)) == before, 'refused after a write'


def test_a_multicast_mac_is_refused(pve, driver):
    nics = [{'network': 'vmbr0', 'mac': '01:00:5E:00:00:01'}]
    refused_before_any_write(pve, lambda: clone(pve, driver, 'multicast', networks=nics), 'mac', '01:00:5E')


@pytest.mark.parametrize('address', ['10.0.0.5/7', '2001:db8::5/0'])
def test_an_ip_prefix_of_7_or_less_is_refused(pve, driver, address):
    key = 'address6' if ':' in address else 'address'
    vm = clone(pve, driver, 'prefix')

    def write():
        settings = normalize_cloud_init({'ip_config': [{key: address}]}, 'pve-test', "VM 'prefix'")
        driver.write_cloud_init(vm, settings, diff_cloud_init(empty_settings(), settings), timeout=60)

    refused_before_any_write(pve, write, address)


@pytest.mark.parametrize(
    'key',
    ['ssh-ed25519 AAAA', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 short', 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIFvbrJp27j61SFSFX5U+fOy6FuWwbPy/A3l2xpfMOASD wrong-type'],
)
def test_an_ssh_key_ssh_keygen_refuses_is_refused(pve, driver, key):
    vm = clone(pve, driver, 'keys')

    def write():
        settings = normalize_cloud_init({'ssh_keys': [key]}, 'pve-test', "VM 'keys'")
        driver.write_cloud_init(vm, settings, diff_cloud_init(empty_settings(), settings), timeout=60)

    refused_before_any_write(pve, write, 'ssh_keys')
    assert urllib.parse.quote(key) not in str(pve.pve.requests)


def test_more_than_32_nics_are_refused(pve, driver):
    nics = [{'network': 'vmbr0'}] * 33
    refused_before_any_write(pve, lambda: clone(pve, driver, 'many-nics', networks=nics), '32')


@pytest.mark.parametrize('name', ['bad_name!', 'web..lab', '-web'])
def test_a_vm_name_that_is_no_dns_name_is_refused(pve, driver, name):
    refused_before_any_write(pve, lambda: clone(pve, driver, name), name)


def test_user_data_with_user_password_or_keys_warns_that_they_are_replaced(pve, driver):
    """cicustom user= replaces the user data PVE generates from ciuser, cipassword and sshkeys (Cloudinit.pm)."""
    settings = normalize_cloud_init({'user': 'deploy', 'password': 'Pa55-word', 'user_data': '#cloud-config\n'}, 'pve-test', "VM 'ud'")
    try:
        driver.check_cloud_init(settings, node='pve1', subject="VM 'ud'")
    except HypervisorError:
        pass  # no snippet on the storage: said in its own line; the warning comes first
    assert [w for w in driver.warnings if 'replaces the user data' in w and 'user, password' in w], driver.warnings
    assert 'Pa55-word' not in str(driver.warnings)


@pytest.mark.parametrize('upgrade', [False, True])
def test_cloud_init_upgrade_is_written_as_ciupgrade_and_converges(pve, driver, upgrade):
    """qemu-server's ciupgrade defaults to 1 (a full upgrade at first boot): the option, default false, says it."""
    vm = clone(pve, driver, 'upgrade')
    settings = normalize_cloud_init({'user': 'deploy', 'upgrade': upgrade}, 'pve-test', "VM 'upgrade'")
    change = diff_cloud_init(driver.read_cloud_init(vm), settings)
    assert ('upgrade' in change['keys']) is (not upgrade), 'PVE reads a config without ciupgrade as 1'
    after = driver.write_cloud_init(vm, settings, change, timeout=60)
    assert str(pve.pve.vm(int(vm['id'])).config.get('ciupgrade', 1)) == str(int(upgrade))
    assert after['upgrade'] is upgrade and diff_cloud_init(driver.read_cloud_init(vm), settings) == {}
