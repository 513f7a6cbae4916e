"""Only the hypervisor differs: the same playbook gives the same results on Proxmox VE and on oVirt.

The module_pureboot_vm lifecycle target runs once against each backend; every registered result is then
compared after replacing what legitimately differs between two hypervisors: ids, UUIDs and MACs (each
hypervisor makes its own), the hypervisor's name and type, where a VM sits (a Proxmox node always; an oVirt
cluster, and a host only while it runs), the names of NICs and networks, the guest OS type's spelling, and the
addresses a guest reports. `invocation` (the task's own arguments) is left out: the inputs name each scene's
template, network and placement. Everything else — changed, status, hardware, boot order, firmware, tags,
description, the diffs — must be identical.
"""

import json

from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.integration.conftest import target_vars
from ansible_collections.pureboot.hypervisors.tests.integration.runner import LIFECYCLE_RESULTS, assert_ok, read_results, role_play, run_playbook

# Keys of records (and of --diff views) whose values each hypervisor decides for itself.
OWN_VALUES = {'id': '<id>', 'uuid': '<uuid>', 'hypervisor': '<hypervisor>', 'hypervisor_type': '<type>', 'os_type': '<os type>'}
# Where a VM sits, set or not: a Proxmox VM always has a node and no cluster; an oVirt VM a cluster, and a host
# (its node) only while it runs.
PLACEMENT_KEYS = ('node', 'cluster')
NIC_OWN_VALUES = {'name': '<nic name>', 'mac': '<mac>', 'network': '<network>'}
# A disk's name, storage and bus are each hypervisor's words (scsi0 on ceph-vm, a disk of an oVirt storage domain),
# and a clone's disk has its template's size, which each scene picks (8 GiB on fakepve, 10 on the oVirt simulator);
# the number of disks and the keys of each are the same.
DISK_OWN_VALUES = {'name': '<disk name>', 'storage': '<storage>', 'interface': '<bus>', 'size_gb': '<template size>'}
# oVirt has no autostart per VM (its records say null); Proxmox's onboot does.
TYPE_ONLY = {'start_on_boot': '<where the type has it>'}


def normalised(value):
    """value with every legitimately different part replaced by a placeholder (None stays None)."""
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key == 'invocation':
            continue
        if key in OWN_VALUES and item is not None:
            result[key] = OWN_VALUES[key]
        elif key in PLACEMENT_KEYS:
            result[key] = '<placement>'
        elif key == 'ip_addresses':
            result[key] = '<addresses>'
        elif key in TYPE_ONLY:
            result[key] = TYPE_ONLY[key]
        elif key == 'disks' and isinstance(item, list):
            result[key] = [dict(disk, **DISK_OWN_VALUES) for disk in item]
        elif key == 'nics' and isinstance(item, list):
            result[key] = [dict(nic, **{k: v for k, v in NIC_OWN_VALUES.items() if nic.get(k) is not None}) for nic in item]
        else:
            result[key] = normalised(item)
    return result


def lifecycle_results(backend, tmp_path):
    tmp_path.mkdir()
    result = run_playbook(tmp_path, role_play('module_pureboot_vm', keep=LIFECYCLE_RESULTS), target_vars(backend, tmp_path), args=['--diff'])
    assert_ok(result)
    return read_results(tmp_path)


def test_only_the_hypervisor_differs(fakepve, fakepve_cafile, ovirt_engine, tmp_path):
    proxmox = lifecycle_results(ProxmoxBackend(fakepve, fakepve_cafile), tmp_path / 'proxmox')
    ovirt = lifecycle_results(OvirtBackend(ovirt_engine), tmp_path / 'ovirt')
    assert sorted(proxmox) == sorted(ovirt)
    # The comparison means something only if the results carry the VM: check a few before normalising.
    assert proxmox['create_1']['vm']['hypervisor_type'] == 'proxmox' and ovirt['create_1']['vm']['hypervisor_type'] == 'ovirt'
    assert ovirt['create_1']['vm']['cluster'] == 'Default' and ovirt['start_1']['vm']['node'] in ('host1', 'host2')
    for name in sorted(proxmox):
        expected, got = normalised(proxmox[name]), normalised(ovirt[name])
        assert got == expected, '{0} differs:\nproxmox: {1}\novirt:   {2}'.format(name, json.dumps(expected, sort_keys=True), json.dumps(got, sort_keys=True))
