"""NIC updates of an oVirt VM: only what differs is sent, and a plugged NIC of a running VM is unplugged for a new
model or MAC and plugged back, also when the update is refused."""

import pytest
from ovirtsdk4 import types

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.changes import OvirtChanges, nic_update, unplugged_for


def sdk_nic(plugged=True):
    return types.Nic(name='nic1', plugged=plugged, interface=types.NicInterface('virtio'), mac=types.Mac(address='56:6f:00:00:00:01'))


def test_only_what_differs_is_sent():
    assert nic_update(sdk_nic(), {'model': 'virtio', 'mac': '56:6f:00:00:00:01'}, 'p1', 'p1') is None
    body = nic_update(sdk_nic(), {'model': 'e1000'}, None, 'p1')
    assert (body.interface, body.mac, body.vnic_profile) == (types.NicInterface.E1000, None, None)
    body = nic_update(sdk_nic(), {'network': 'lab'}, 'p2', 'p1')
    assert (body.interface, body.mac, body.vnic_profile.id) == (None, None, 'p2')


@pytest.mark.parametrize(
    'desired, plugged, running, unplugged',
    [
        ({'model': 'e1000'}, True, True, True),
        ({'mac': '56:6f:00:00:00:02'}, True, True, True),
        ({'model': 'e1000'}, False, True, False),  # unplugged by its owner: updated as it is, and left so
        ({'model': 'e1000'}, True, False, False),
    ],
)
def test_a_new_model_or_mac_of_a_plugged_nic_of_a_running_vm_needs_it_unplugged(desired, plugged, running, unplugged):
    nic = sdk_nic(plugged)
    assert unplugged_for(nic, nic_update(nic, desired, None, 'p1'), running) is unplugged


def test_a_new_profile_is_taken_while_plugged():
    assert unplugged_for(sdk_nic(), nic_update(sdk_nic(), {}, 'p2', 'p1'), True) is False


class Recorder(OvirtChanges):
    """OvirtChanges with its writes recorded; refuse: the write number (1-based) that fails with a conflict."""

    def __init__(self, refuse=()):
        self.sent = []
        self.refuse = refuse

    def _write(self, request, subject=None):
        request(None)
        if len(self.sent) in self.refuse:
            raise ConflictError('MAC Address is already in use.', hypervisor='rhv', subject=subject)


class NicService:
    def __init__(self, sent):
        self.sent = sent

    def update(self, body):
        self.sent.append('plug' if body.plugged else 'unplug' if body.plugged is False else 'update')


def test_unplug_update_plug_back():
    recorder = Recorder()
    recorder._update_unplugged(lambda system: NicService(recorder.sent), 'nic1', types.Nic(interface=types.NicInterface('e1000')), "VM 'web'")
    assert recorder.sent == ['unplug', 'update', 'plug']


def test_a_refused_update_plugs_the_nic_back_and_says_why():
    recorder = Recorder(refuse=(2,))
    with pytest.raises(ConflictError) as caught:
        recorder._update_unplugged(lambda system: NicService(recorder.sent), 'nic1', types.Nic(mac=types.Mac(address='56:6f:00:00:00:02')), "VM 'web'")
    assert recorder.sent == ['unplug', 'update', 'plug'] and str(caught.value) == "rhv: VM 'web': MAC Address is already in use."


def test_a_nic_that_cannot_be_plugged_back_is_named_in_the_error():
    recorder = Recorder(refuse=(2, 3))
    with pytest.raises(ConflictError) as caught:
        recorder._update_unplugged(lambda system: NicService(recorder.sent), 'nic1', types.Nic(mac=types.Mac(address='56:6f:00:00:00:02')), "VM 'web'")
    assert str(caught.value) == "rhv: VM 'web': MAC Address is already in use; nic1 is left unplugged: MAC Address is already in use."
