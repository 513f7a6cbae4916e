"""The inventory plugin's population: the hosts module_utils/_inventory.py decides on, put into Ansible's inventory.

What the plugin adds to those decisions (tested in test_inventory.py): group names made safe for Ansible, every
value marked unsafe, the constructed options (compose, keyed_groups) applied, the warnings shown. Ansible's own
loader loads the plugin, which reads a real source file, so its options are Ansible's; only the fetch is left out:
the data it would return is given as it is. That runs in a process of its own (populate.py), where the loader can
be set up first.
"""

import json
import pathlib
import subprocess
import sys

import pytest
import yaml

from ansible_collections.pureboot.hypervisors.plugins.inventory import pureboot as plugin_module
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import nic_record, vm_record

# The directory holding ansible_collections/, where Ansible's loader finds this collection.
COLLECTIONS_PATH = str(pathlib.Path(plugin_module.__file__).resolve().parents[5])
POPULATE = str(pathlib.Path(__file__).with_name('populate.py'))


def vm(name, hypervisor='pve-lab', mac='52:54:00:00:00:01', **fields):
    fields.setdefault('id', '100')
    fields.setdefault('status', 'running')
    fields.setdefault('hypervisor_type', 'proxmox')
    return vm_record(name=name, hypervisor=hypervisor, nics=[nic_record('net0', mac, 'vmbr0')], **fields)


def node(mac='52:54:00:00:00:01', **fields):
    return dict({'id': 'node-1', 'mac_address': mac, 'hostname': None, 'state': 'active', 'ip_address': None,
                 'tags': ['pxe']}, **fields)


def data(vms, nodes=None, skipped=(), warnings=()):
    """What the plugin fetches (module_utils/_inventory.collect); nodes None: no PureBoot configured."""
    return {'vms': list(vms), 'nodes': nodes, 'skipped': list(skipped), 'warnings': list(warnings)}


@pytest.fixture
def populate(tmp_path):
    """populate(fetched, **source options) -> ({host: {'vars', 'groups'}}, the warnings shown, on one line)."""
    def run(fetched, **options):
        source = tmp_path / 'lab.pureboot.yml'
        config = {'plugin': 'pureboot.hypervisors.pureboot',
                  'hypervisors': [{'name': 'pve-lab', 'type': 'proxmox', 'api_url': 'https://127.0.0.1:9'}]}
        config.update(options)
        source.write_text(yaml.safe_dump(config))
        request = {'collections_path': COLLECTIONS_PATH, 'source': str(source), 'data': fetched}
        done = subprocess.run([sys.executable, POPULATE], input=json.dumps(request), capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout), ' '.join(done.stderr.split())
    return run


def test_a_vm_is_a_host_with_its_record_its_node_and_default_groups_named_safely(populate):
    record = vm('web', hypervisor='pve-lab.example', ip_addresses=['192.0.2.5'])
    hosts, _stderr = populate(data([record], nodes=[node(workflow_id='ubuntu-2404')]))
    assert sorted(hosts) == ['web']
    variables = hosts['web']['vars']
    assert variables['pureboot_vm'] == record and variables['ansible_host'] == '192.0.2.5'
    assert variables['pureboot_node']['id'] == 'node-1' and variables['pureboot_node']['workflow_id'] == 'ubuntu-2404'
    # 'pve-lab.example' is no group name Ansible takes as it is.
    assert hosts['web']['groups'] == ['pureboot_hypervisor_pve_lab_example', 'pureboot_state_active',
                                      'pureboot_status_running', 'pureboot_type_proxmox']


def test_compose_overrides_ansible_host_and_keyed_groups_read_the_record(populate):
    hosts, _stderr = populate(data([vm('web', ip_addresses=['192.0.2.5'], tags=['db', 'prod'])]),
                              compose={'ansible_host': "'203.0.113.7'"},
                              keyed_groups=[{'key': 'pureboot_vm.tags', 'prefix': 'tag'}])
    assert hosts['web']['vars']['ansible_host'] == '203.0.113.7'
    assert {'tag_db', 'tag_prod'} <= set(hosts['web']['groups'])


def test_renamed_hosts_skipped_hypervisors_and_warnings_are_shown(populate):
    first = vm('web', hypervisor='pve-lab', id='100')
    second = vm('web', hypervisor='rhv', hypervisor_type='ovirt', id='5d1f', mac='52:54:00:00:00:02')
    hosts, stderr = populate(data([first, second],
                                  skipped=[{'hypervisor': 'gone', 'error': 'gone: cannot reach https://127.0.0.1:9'}],
                                  warnings=["pve-lab: node 'pve2' is offline; its VMs are listed without details"]))
    assert sorted(hosts) == ['rhv_web', 'web']
    assert "pureboot inventory: VM 'web' of rhv is also a VM of pve-lab; its host is 'rhv_web'" in stderr
    assert 'pureboot inventory: skipped gone: cannot reach https://127.0.0.1:9' in stderr
    assert "pureboot inventory: pve-lab: node 'pve2' is offline" in stderr


def test_values_from_the_hypervisor_and_pureboot_are_never_templated(populate):
    # A template in a VM description or a node hostname (which anyone can set through PureBoot's /api/v1/report)
    # stays text, even where compose reads it.
    hosts, _stderr = populate(data([vm('web', description='{{ 6 * 7 }}')], nodes=[node(hostname='{{ 7 * 6 }}')]),
                              compose={'described': 'pureboot_vm.description', 'named': 'pureboot_node.hostname'})
    variables = hosts['web']['vars']
    assert (variables['described'], variables['named']) == ('{{ 6 * 7 }}', '{{ 7 * 6 }}')
