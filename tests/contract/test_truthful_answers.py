"""Issue 14, driver side: every answer true, on every hypervisor type.

A filter applies or fails with one line; check mode's prediction equals the real run's record; every read-only
precondition fails before the first write; input that could never converge is refused; host statuses use one
set of words.
"""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import HOST_STATUSES
from ansible_collections.pureboot.hypervisors.tests.contract.test_driver_contract import assert_clean_message

# What the hypervisor assigns, so a prediction cannot know it.
ASSIGNED = ('id', 'uuid', 'ip_addresses')


def comparable(record):
    """The record without what the hypervisor assigns: ids, UUID, addresses, MACs."""
    shown = {k: v for k, v in record.items() if k not in ASSIGNED}
    shown['nics'] = [dict(nic, mac=None) for nic in record['nics']]
    return shown


def test_host_status_is_one_of_the_common_words(driver):
    statuses = [host['status'] for host in driver.facts()['hosts']]
    assert statuses and set(statuses) <= set(HOST_STATUSES), statuses
    assert 'online' in statuses


def test_an_unknown_node_filter_fails_listing_the_nodes(backend, driver):
    nodes = [host['name'] for host in driver.facts()['hosts']]
    with pytest.raises(NotFoundError) as caught:
        driver.list_vms(node='pve9')
    assert_clean_message(caught.value, backend, "node 'pve9' not found; available: " + ', '.join(sorted(nodes)))
    assert driver.list_vms(node=nodes[0]) == [v for v in driver.list_vms() if v['node'] == nodes[0]]


def test_an_unknown_cluster_filter_fails_the_same_for_vms_and_templates(backend, driver):
    errors = []
    for listing in (driver.list_vms, driver.list_templates):
        with pytest.raises((NotFoundError, InvalidInputError)) as caught:
            listing(cluster='Nonexistent')
        assert_clean_message(caught.value, backend)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]
    if backend.kind == 'ovirt':
        assert errors[0][1].endswith("cluster 'Nonexistent' not found; available: Default")
    else:
        # Proxmox and libvirt have no clusters: the filter is refused as one this type does not have.
        assert errors[0][1].endswith("filter 'cluster' does not apply to {0} hypervisors".format(backend.kind))


@pytest.mark.parametrize(
    'hardware',
    [
        {},
        {'cpu_cores': 2, 'memory_mb': 2048, 'tags': ['Web', 'lab'], 'description': 'predicted'},
        {'networks': [{'network': 'SECOND'}], 'boot_order': ['network', 'disk'], 'firmware': 'uefi'},
        {'networks': [{'network': 'FIRST'}, {'network': 'SECOND', 'model': 'e1000'}], 'pxe_boot': True, 'boot_order': ['network', 'disk']},
        {'networks': []},
    ],
    ids=['as-template', 'hardware', 'one-nic-uefi', 'two-nics-pxe', 'no-nic'],
)
def test_the_prediction_is_the_real_record(backend, driver, hardware):
    networks = [dict(nic, network={'FIRST': backend.network, 'SECOND': backend.second_network}[nic['network']]) for nic in hardware.get('networks', ())]
    hardware = dict(hardware, networks=networks) if 'networks' in hardware else hardware
    for index, template in enumerate((backend.template, backend.other_template)):
        name = 'predict-{0}-{1}'.format(len(hardware), index)
        spec = dict(backend.placement, template=template, name=name, **hardware)
        writes = backend.write_count()
        predicted = driver.predict_vm(spec, driver.preflight(spec))
        assert backend.write_count() == writes, 'the prediction wrote'
        real = driver.create_vm(name, spec, timeout=120)
        assert comparable(predicted) == comparable(real), template
        assert predicted['id'] is None and all(nic['mac'] is None for nic in predicted['nics'])


@pytest.mark.parametrize(
    'mistake, expected',
    [
        ({'tags': ['a', 'B', 'has space']}, 'tags must be 1-50 letters'),
        ({'tags': ['semi;colon']}, "'semi;colon'"),
        ({'boot_order': ['disk', 'disk']}, 'boot_order names disk more than once'),
        ({'networks': [{'network': 'no-such-net'}]}, "'no-such-net' not found"),
        ({'networks': [], 'boot_order': ['network', 'disk']}, 'boot_order names network, and the VM has no NIC'),
        ({'networks': [], 'pxe_boot': True, 'boot_order': ['network', 'disk']}, 'pxe_boot needs a NIC'),
        ({'networks': [{'network': 'FIRST', 'model': 'no-such-model'}]}, 'networks[0].model must be one of'),
    ],
    ids=['tag-space', 'tag-semicolon', 'boot-twice', 'unknown-network', 'boot-no-nic', 'pxe-no-nic', 'bad-model'],
)
def test_a_wrong_input_fails_before_any_write(backend, driver, mistake, expected):
    mistake = (
        dict(mistake, networks=[dict(nic, network=backend.network if nic['network'] == 'FIRST' else nic['network']) for nic in mistake['networks']])
        if 'networks' in mistake
        else mistake
    )
    spec = dict(backend.placement, template=backend.template, name='refused', **mistake)
    writes = backend.write_count()
    for attempt in (lambda: driver.preflight(spec), lambda: driver.create_vm('refused', spec, timeout=60)):
        with pytest.raises((InvalidInputError, NotFoundError)) as caught:
            attempt()
        assert_clean_message(caught.value, backend, "VM 'refused'", expected)
    assert backend.write_count() == writes
    assert driver.get_vm(name='refused') is None


def test_accepted_tags_converge(backend, driver):
    vm = driver.create_vm('tagged', dict(backend.placement, template=backend.template, tags=['a', 'B', 'x_1.2-3']), timeout=120)
    assert vm['tags'] == ['a', 'b', 'x_1.2-3']
    again = driver.get_vm(vm_id=vm['id'])
    assert diff_hardware(again, {'tags': ['a', 'B', 'x_1.2-3']}) == {}
    assert diff_hardware(again, {'boot_order': again['boot_order']}) == {}
