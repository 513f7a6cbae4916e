"""From nothing to installed, on a real VM: a blank libvirt VM PXE-boots, PureBoot installs it, it boots from its disk.

On the private libvirtd (tests/simulators/libvirtd) and its install lab (install_lab.py: the PXE lab's network with
DHCP and TFTP, boot.ipxe chaining to the PureBoot double's /api/v1/boot, a workflow file with `install_method:
chain` to a boot files server serving the tiny installer of tests/simulators/installer; everything inside the
daemon's network namespace), the test defines a blank TCG domain through libvirt-python (one new empty qcow2
volume, one virtio NIC, boot order network then disk), registers its node through the double's REST API, gives it
the workflow and queues the install (pending), as the collection will, and starts it. Then, all from what the
servers logged:
- the VM's iPXE asked /api/v1/boot while its node was pending and got the chain to the installer;
- the installer (a Debian kernel and a busybox initramfs) reported install_started and install_complete through the
  public /api/v1/report: the node is installed;
- the installer rebooted the VM; its next /api/v1/boot answer was `exit`: boot from the disk;
- the installer's marker is at the start of the VM's disk image.
The timings and logs are written to install-evidence.json in the test's tmp_path, and to $PUREBOOT_INSTALL_EVIDENCE
when that is set.
"""

import json
import os
import time

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.installer.build import MARKER
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures import LIBVIRT_POOL
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.install_lab import INITRD_PATH, INSTALL_SCRIPT, KERNEL_PATH, WORKFLOW, InstallLab

VM_NAME = 'install-vm-01'
# Under TCG: PXE to /boot ~5 s, the installer's boot to its first report ~6 s, the whole install boot 13-25 s on
# these machines; room for a busy one.
INSTALL_TIMEOUT = 300
BOOT_PATH = '/api/v1/boot'


@pytest.fixture
def install_lab(libvirt_host, tiny_installer):
    with InstallLab(libvirt_host, LIBVIRT_POOL, tiny_installer) as lab:
        yield lab


def boots_of(double, mac):
    return [entry for entry in double.requests if entry['path'] == BOOT_PATH and entry['query'].get('mac', '').lower() == mac]


def console_tail(lab, name):
    """The end of a VM's serial console: what its installer said."""
    with open(lab.console_log(name), errors='replace') as log:
        return log.read()[-3000:]


def save_evidence(tmp_path, evidence):
    text = json.dumps(evidence, indent=1, sort_keys=True)
    (tmp_path / 'install-evidence.json').write_text(text)
    if os.environ.get('PUREBOOT_INSTALL_EVIDENCE'):
        with open(os.environ['PUREBOOT_INSTALL_EVIDENCE'], 'w') as out:
            out.write(text)
    print(text)


def test_a_blank_vm_is_installed_by_pureboot_and_then_boots_from_its_disk(install_lab, tmp_path):
    double, files = install_lab.double, install_lab.files
    test_started = time.monotonic()
    domain = install_lab.define_blank_vm(VM_NAME)
    mac = install_lab.mac_of(domain)
    assert install_lab.disk_head(domain, 64) == b'\0' * 64, 'a new, empty disk'

    node = install_lab.queue_install(mac, hostname=VM_NAME)
    assert (node['state'], node['workflow_id']) == ('pending', WORKFLOW)
    double.clear_requests()
    domain.create()
    started = time.monotonic()

    # Each step's time from the start: PXE to PureBoot's /boot, the installer's first report, its last.
    assert install_lab.wait_for_boot(mac, INSTALL_TIMEOUT) is not None, 'no /boot from {0}; boot files {1}'.format(mac, files.requests)
    boot_after = time.monotonic() - started
    install_lab.wait_for_event(mac, 'install_started', INSTALL_TIMEOUT)
    started_after = time.monotonic() - started
    complete = install_lab.wait_for_event(mac, 'install_complete', INSTALL_TIMEOUT)
    installed_after = time.monotonic() - started
    assert complete is not None, 'no install_complete from {0} within {1} s; events {2}; boot files {3}; console:\n{4}'.format(
        mac, INSTALL_TIMEOUT, double.events, files.requests, console_tail(install_lab, VM_NAME)
    )
    node = double.node_by_mac(mac)
    assert node['state'] == 'installed' and node['install_attempts'] == 0
    assert [(e['event'], e['from_state'], e['to_state']) for e in double.events if e['mac'] == mac] == [
        ('install_started', 'pending', 'installing'),
        ('install_complete', 'installing', 'installed'),
    ]

    # The boot that installed: /boot answered the pending node with the chain to the installer, with PureBoot's own
    # address and the node's MAC filled into the workflow's boot_url; the VM fetched the script, kernel and initrd.
    first = boots_of(double, mac)[0]
    assert first['status'] == 200
    assert 'chain {0}{1}?server=http://{2}:{3}&mac={4}'.format(files.url, INSTALL_SCRIPT, install_lab.address, double.port, mac) in first['text']
    assert [(entry['path'], entry['status']) for entry in files.requests] == [(INSTALL_SCRIPT, 200), (KERNEL_PATH, 200), (INITRD_PATH, 200)]
    reports = [entry for entry in double.requests if entry['path'] == '/api/v1/report']
    assert [(entry['body'], entry['status']) for entry in reports] == [
        ({'mac_address': mac, 'event': 'install_started'}, 200),
        ({'mac_address': mac, 'event': 'install_complete'}, 200),
    ]
    # The node's address is the one the VM booted with, as the real /boot records it.
    assert node['ip_address'] == install_lab.lease_address(mac)

    # The installer rebooted the VM: its next boot asks PureBoot again and is sent to its disk.
    log = install_lab.wait_for(lambda _log: len(boots_of(double, mac)) >= 2, INSTALL_TIMEOUT)
    next_boot_after = time.monotonic() - started
    assert log is not None, 'the VM did not boot again after its install; console:\n{0}'.format(console_tail(install_lab, VM_NAME))
    second = boots_of(double, mac)[1]
    assert second['status'] == 200 and second['text'].rstrip().endswith('exit') and 'chain' not in second['text']
    assert double.node_by_mac(mac)['state'] == 'installed', '/boot never changes the state'

    domain.destroy()
    head = install_lab.disk_head(domain, 64)
    assert head.startswith('{0} {1}\n'.format(MARKER, mac).encode()), head
    assert 'pureboot-installer: wrote the marker to /dev/vda' in console_tail(install_lab, VM_NAME)

    save_evidence(
        tmp_path,
        {
            'vm': {'name': VM_NAME, 'mac': mac, 'address': node['ip_address'], 'disk': install_lab.disk_path(domain)},
            'installer': {
                'kernel': install_lab.installer.kernel_package,
                'busybox': install_lab.installer.busybox_package,
                'modules': install_lab.installer.modules,
            },
            'workflow': {'id': WORKFLOW, 'boot_url': files.url + INSTALL_SCRIPT + '?server=${server}&mac=${mac}'},
            'install_boot': {'boot': first['text'], 'files': files.requests, 'events': double.events},
            'next_boot': second['text'],
            'disk_head': head.rstrip(b'\0').decode('utf-8', 'replace'),
            'seconds': {
                'start_to_boot_request': round(boot_after, 1),
                'start_to_install_started': round(started_after, 1),
                'start_to_installed': round(installed_after, 1),
                'start_to_next_boot': round(next_boot_after, 1),
                'whole_test': round(time.monotonic() - test_started, 1),
            },
        },
    )
