"""The `disks` option and the blank-VM options, shared by every type: checks and the desired-vs-current diff."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._disks import MAX_DISK_GB, diff_disks, validate_cpu, validate_disks
from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection, HypervisorDriver, check_blank_spec, diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import disk_record, vm_record

ALL = ('virtio', 'scsi', 'sata', 'ide')


def vm(**fields):
    base = dict(id='7', name='web', disks=[disk_record('scsi0', 10, 'local-lvm', 'scsi'), disk_record('scsi1', 20, 'fast', 'scsi')])
    base.update(fields)
    return vm_record(**base)


@pytest.mark.parametrize(
    'disks, message',
    [
        ([{'storage': 'x'}], 'disks[0].size_gb is required'),
        ([{'size_gb': 0}], 'disks[0].size_gb must be a whole number of GiB between 1 and 65536, got 0'),
        ([{'size_gb': 8}, {'size_gb': MAX_DISK_GB + 1}], 'disks[1].size_gb must be a whole number of GiB between 1'),
        ([{'size_gb': '8'}], 'disks[0].size_gb must be a whole number'),
        ([{'size_gb': True}], 'disks[0].size_gb must be a whole number'),
        ([{'size_gb': 8, 'interface': 'nvme'}], "disks[0].interface must be one of virtio, scsi, sata, ide, got 'nvme'"),
        ([{'size_gb': 8, 'colour': 'red'}], 'disks[0]: unknown key(s) colour; known: size_gb, storage, interface'),
        ([{'size_gb': 8, 'storage': ' '}], 'disks[0].storage is empty'),
        (['8G'], 'disks[0] must be a dict'),
    ],
)
def test_bad_disks_are_one_line(disks, message):
    with pytest.raises(InvalidInputError) as caught:
        validate_disks(disks, ALL, 'pve', "VM 'web'")
    assert str(caught.value).startswith("pve: VM 'web': " + message)


def test_a_bus_the_type_does_not_have_is_refused_naming_those_it_has():
    with pytest.raises(InvalidInputError, match="must be one of virtio, sata, got 'ide'"):
        validate_disks([{'size_gb': 8, 'interface': 'ide'}], ('sata', 'virtio'), 'ovirt', 'VM')


def test_good_disks_pass():
    validate_disks([{'size_gb': 1, 'storage': None, 'interface': None}, {'size_gb': MAX_DISK_GB}], ALL, 'h', 'VM')


@pytest.mark.parametrize(
    'spec, message',
    [
        ({'cpu_sockets': 0}, 'cpu_sockets must be between 1 and 64, got 0'),
        ({'cpu_sockets': 2, 'cpu_cores': 3}, 'cpu_cores (3, the total of virtual CPUs) must be a multiple of cpu_sockets (2)'),
    ],
)
def test_cpu_sockets_checks(spec, message):
    with pytest.raises(InvalidInputError, match=message.replace('(', r'\(').replace(')', r'\)')):
        validate_cpu(spec, 'h', 'VM')
    validate_cpu({'cpu_sockets': 2, 'cpu_cores': 4}, 'h', 'VM')


def test_a_listed_disk_grows_and_an_unlisted_one_is_left_alone():
    change = diff_disks(vm()['disks'], [{'size_gb': 16}], {}, 'scsi', 'pve', 'VM')
    assert change['grow'] == [(0, 'scsi0', 16)] and change['add'] == []
    assert change['after'] == [disk_record('scsi0', 16, 'local-lvm', 'scsi'), disk_record('scsi1', 20, 'fast', 'scsi')]


def test_the_same_or_no_size_difference_is_no_change():
    assert diff_disks(vm()['disks'], [{'size_gb': 10}, {'size_gb': 20}], {}, 'scsi', 'pve', 'VM') is None
    assert diff_hardware(vm(), {'disks': [{'size_gb': 10}]}) == {}


def test_a_smaller_disk_is_refused_before_any_write():
    with pytest.raises(InvalidInputError) as caught:
        diff_disks(vm()['disks'], [{'size_gb': 10}, {'size_gb': 5}], {}, 'scsi', 'pve', "VM 'web'")
    assert str(caught.value) == ("pve: VM 'web': disks[1].size_gb is 5, and disk 'scsi1' has 20 GiB: a disk is never shrunk; give 20 or more")


def test_a_disk_beyond_the_vm_s_is_added_with_the_storage_rule():
    # The disk's own storage, else the VM's `storage` option, else the storage of the VM's first disk.
    disks = [{'size_gb': 10}, {'size_gb': 20}, {'size_gb': 1, 'storage': 'own', 'interface': 'sata'}, {'size_gb': 2}]
    change = diff_disks(vm()['disks'], disks, {}, 'scsi', 'pve', 'VM')
    assert change['grow'] == []
    assert change['add'] == [disk_record(None, 1, 'own', 'sata'), disk_record(None, 2, 'local-lvm', 'scsi')]
    assert change['after'][2:] == change['add']
    with_option = diff_disks(vm()['disks'], disks, {'storage': 'opt'}, 'scsi', 'pve', 'VM')
    assert with_option['add'][1]['storage'] == 'opt'
    blank = diff_disks([], [{'size_gb': 4}], {}, 'virtio', 'h', 'VM')
    assert blank['add'] == [disk_record(None, 4, None, 'virtio')]


def test_check_blank_spec_wants_a_disk_and_a_nic():
    with pytest.raises(InvalidInputError) as caught:
        check_blank_spec({'name': 'web'}, 'pve')
    assert str(caught.value) == ("pve: VM 'web': a VM without template is created blank and needs at least one disk (disks) and one NIC (networks)")
    with pytest.raises(InvalidInputError, match=r'needs at least one NIC \(networks\)$'):
        check_blank_spec({'name': 'web', 'disks': [{'size_gb': 1}], 'networks': []}, 'pve')
    check_blank_spec({'name': 'web', 'disks': [{'size_gb': 1}], 'networks': [{'network': 'n'}]}, 'pve')
    check_blank_spec({'name': 'web', 'template': 'tpl'}, 'pve')


class Typed(HypervisorDriver):
    """A type with its own words, to check what the contract asks of one: only the hooks of the disks."""

    TYPE = 'typed'
    LOGINS = (('token',),)
    FOREIGN = {'connection': (), 'placement': (), 'hardware': ('start_on_boot',), 'vm_filters': (), 'template_filters': ()}
    DISK_INTERFACES = ('virtio', 'sata')
    DEFAULT_DISK_INTERFACE = 'sata'

    def new_disk_name(self, disks, disk):
        return 'disk{0}'.format(len(disks))

    def os_type_value(self, os_type):
        return {'linux': 'l26'}.get(os_type, os_type)

    def os_type_matches(self, current, wanted):
        return current in ('l24', 'l26') if wanted == 'linux' else current == self.os_type_value(wanted)

    connect = close = facts = _list_vms = get_vm = _list_templates = find_template = None
    preflight = create_vm = apply_changes = power = delete_vm = translate_error = None


def typed():
    return Typed(Connection({'type': 'typed', 'api_url': 'https://127.0.0.1:9', 'token': 't', 'name': 'h'}))


def test_a_type_refuses_the_hardware_it_does_not_have_in_one_line():
    with pytest.raises(InvalidInputError) as caught:
        typed().validate_spec({'name': 'web', 'start_on_boot': True})
    assert str(caught.value) == "h: VM 'web': option 'start_on_boot' does not apply to typed hypervisors"
    typed().validate_spec({'name': 'web', 'start_on_boot': None, 'disks': [{'size_gb': 1, 'interface': 'sata'}]})


def test_the_type_s_words_drive_os_type_and_new_disks():
    driver = typed()
    current = vm(os_type='l24', disks=[disk_record('disk0', 10, 'a', 'sata')])
    assert driver.diff_hardware(current, {'os_type': 'linux'}) == {}
    assert driver.diff_hardware(current, {'os_type': 'windows'}) == {'os_type': {'before': 'l24', 'after': 'windows'}}
    changes = driver.diff_hardware(current, {'disks': [{'size_gb': 10}, {'size_gb': 5}]})
    assert changes['disks']['add'] == [disk_record(None, 5, 'a', 'sata')]
    predicted = driver.predict_changes(current, changes)
    assert predicted['disks'] == [disk_record('disk0', 10, 'a', 'sata'), disk_record('disk1', 5, 'a', 'sata')]


def test_generic_hardware_keys_compare_as_values():
    current = vm(cpu_sockets=1, cpu_type='host', start_on_boot=False)
    assert diff_hardware(current, {'cpu_sockets': 1, 'cpu_type': 'host', 'start_on_boot': False}) == {}
    assert diff_hardware(current, {'cpu_sockets': 2, 'start_on_boot': True}) == {
        'cpu_sockets': {'before': 1, 'after': 2},
        'start_on_boot': {'before': False, 'after': True},
    }
