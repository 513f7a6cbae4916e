"""The inventory plugin's population: the hosts module_utils/_inventory.py decides on, put into Ansible's inventory.

What the plugin adds to those decisions (tested in test_inventory.py): group names made safe for Ansible, every
value marked unsafe, the constructed options (compose, keyed_groups) applied, the warnings shown. Ansible's own
loader loads the plugin, which reads a real source file, so its options are Ansible's; only the fetch is left out:
the data it would return is given as it is. That runs in a process of its own (populate.py), where the loader can
be set up first.

This directory is a package (an empty __init__.py), so pytest imports this file under a name of its own.
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
    return dict({'id': 'node-1', 'mac_address': mac, 'hostname': None, 'state': 'active', 'ip_address': None, 'tags': ['pxe']}, **fields)


def data(vms, nodes=None, skipped=(), warnings=()):
    """What the plugin fetches (module_utils/_inventory.collect); nodes None: no PureBoot configured."""
    return {'vms': list(vms), 'nodes': nodes, 'skipped': list(skipped), 'warnings': list(warnings)}


@pytest.fixture
def populate(tmp_path):
    """populate(fetched, **source options) -> ({host: {'vars', 'groups'}}, the warnings shown, on one line)."""

    def run(fetched, **options):
        source = tmp_path / 'lab.pureboot.yml'
        config = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [{'name': 'pve-lab', 'type': 'proxmox', 'api_url': 'https://127.0.0.1:9'}]}
        config.update(options)
        source.write_text(yaml.safe_dump(config))
        request = {'collections_path': COLLECTIONS_PATH, 'source': str(source), 'data': fetched}
        done = subprocess.run([sys.executable, POPULATE], input=json.dumps(request), capture_output=True, text=True, timeout=120, check=False)
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
    assert hosts['web']['groups'] == ['pureboot_hypervisor_pve_lab_example', 'pureboot_state_active', 'pureboot_status_running', 'pureboot_type_proxmox']


def test_compose_overrides_ansible_host_and_keyed_groups_read_the_record(populate):
    hosts, _stderr = populate(
        data([vm('web', ip_addresses=['192.0.2.5'], tags=['db', 'prod'])]),
        compose={'ansible_host': "'203.0.113.7'"},
        keyed_groups=[{'key': 'pureboot_vm.tags', 'prefix': 'tag'}],
    )
    assert hosts['web']['vars']['ansible_host'] == '203.0.113.7'
    assert {'tag_db', 'tag_prod'} <= set(hosts['web']['groups'])


def test_renamed_hosts_skipped_hypervisors_and_warnings_are_shown(populate):
    first = vm('web', hypervisor='pve-lab', id='100')
    second = vm('web', hypervisor='rhv', hypervisor_type='ovirt', id='5d1f', mac='52:54:00:00:00:02')
    hosts, stderr = populate(
        data(
            [first, second],
            skipped=[{'hypervisor': 'gone', 'error': 'gone: cannot reach https://127.0.0.1:9'}],
            warnings=["pve-lab: node 'pve2' is offline; its VMs are listed without details"],
        )
    )
    assert sorted(hosts) == ['pve-lab_web', 'rhv_web']
    assert "pureboot inventory: 2 VMs are named 'web' (on pve-lab, rhv); the host of the one on rhv with id 5d1f is 'rhv_web'" in stderr
    assert 'pureboot inventory: skipped gone: cannot reach https://127.0.0.1:9' in stderr
    assert "pureboot inventory: pve-lab: node 'pve2' is offline" in stderr


def test_a_vm_named_like_a_default_group_is_no_host_beside_it(populate):
    squatter = vm('pureboot_status_running', id='100', status='stopped')
    hosts, stderr = populate(data([squatter, vm('web', id='101', mac='52:54:00:00:00:02')]))
    assert sorted(hosts) == ['pve-lab_pureboot_status_running', 'web']
    assert hosts['pve-lab_pureboot_status_running']['groups'] == ['pureboot_hypervisor_pve_lab', 'pureboot_status_stopped', 'pureboot_type_proxmox']
    assert "'pureboot_status_running' is in the namespace of this plugin's default groups" in stderr
    assert 'Found both group and host' not in stderr


def test_a_vm_named_like_a_group_of_the_sources_own_options_is_no_host_beside_it(populate):
    """A VM named 'tag_prod' while no VM carries the tag `prod`, and one named like a `groups` entry that no VM
    joins: neither may answer for those groups (`hosts: tag_prod`, `hosts: tag_*`, `hosts: webservers`)."""
    squatters = [vm('tag_prod', id='100'), vm('webservers', id='101', mac='52:54:00:00:00:02'), vm('prod-db', id='102', mac='52:54:00:00:00:03')]
    hosts, stderr = populate(
        data(squatters), keyed_groups=[{'key': 'pureboot_vm.tags', 'prefix': 'tag'}], groups={'webservers': "'web' in pureboot_vm.name and false"}
    )
    assert sorted(hosts) == ['prod-db', 'pve-lab_tag_prod', 'pve-lab_webservers']
    assert "'tag_prod' is in the namespace of this source's groups or keyed_groups" in stderr
    assert "'webservers' is in the namespace of this source's groups or keyed_groups" in stderr


def test_values_from_the_hypervisor_and_pureboot_are_never_templated(populate):
    # A template in a VM description or a node hostname (which anyone can set through PureBoot's /api/v1/report)
    # stays text, even where compose reads it.
    hosts, _stderr = populate(
        data([vm('web', description='{{ 6 * 7 }}')], nodes=[node(hostname='{{ 7 * 6 }}')]),
        compose={'described': 'pureboot_vm.description', 'named': 'pureboot_node.hostname'},
    )
    variables = hosts['web']['vars']
    assert (variables['described'], variables['named']) == ('{{ 6 * 7 }}', '{{ 7 * 6 }}')


# The marking itself does not survive JSON: this script runs populate.py's population in a process of its own, as
# the tests above do, and reports which strings of the variables it set are marked unsafe. Where this ansible-core
# trusts anything (2.19 and later: a template is run only when tagged as trusted), every string of the data is made
# a trusted template first, so a string is reported unsafe only when the plugin's marking took the trust away.
MARKING_SCRIPT = r'''
import json
import sys

from ansible.plugins.loader import init_plugin_loader

request = json.load(sys.stdin)
init_plugin_loader([request['collections_path']])
sys.path.insert(0, request['populate_dir'])
import populate  # noqa: E402 (populate.py, beside the test, once the loader is set up)

try:
    from ansible.template import is_trusted_as_template, trust_as_template
except ImportError:  # ansible-core 2.16 to 2.18: only an AnsibleUnsafe value is never templated.
    from ansible.utils.unsafe_proxy import AnsibleUnsafe
    is_trusted_as_template = trust_as_template = None


def trusted(value):
    if isinstance(value, dict):
        return dict((key, trusted(item)) for key, item in value.items())
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return trust_as_template(value) if trust_as_template and isinstance(value, str) else value


def is_unsafe(value):
    return not is_trusted_as_template(value) if is_trusted_as_template else isinstance(value, AnsibleUnsafe)


def strings(value, path):
    """(path, string) of every string value in value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, '{0}.{1}'.format(path, key))
    elif isinstance(value, (list, tuple)):
        for number, item in enumerate(value):
            yield from strings(item, '{0}[{1}]'.format(path, number))
    elif isinstance(value, str):
        yield path, value


hosts = populate.populate(request['source'], trusted(request['data']))
json.dump(dict((str(name), dict((path, is_unsafe(text)) for key in ('pureboot_vm', 'pureboot_node', 'ansible_host')
                                 if key in host['vars'] for path, text in strings(host['vars'][key], key)))
               for name, host in hosts.items()), sys.stdout)
'''


def test_every_string_holding_a_brace_is_marked_unsafe_in_the_hostvars_and_no_other(tmp_path):
    source = tmp_path / 'lab.pureboot.yml'
    source.write_text(
        yaml.safe_dump(
            {
                'plugin': 'pureboot.hypervisors.pureboot',
                'trust_pureboot_ip': True,
                'hypervisors': [{'name': 'pve-lab', 'type': 'proxmox', 'api_url': 'https://127.0.0.1:9'}],
            }
        )
    )
    # Braces at every depth a hypervisor or PureBoot fills in: a name, a description, a tag, a node's hostname and
    # tags (set by anyone through PureBoot's /api/v1/report), the address PureBoot reports, used as ansible_host.
    # (The host name itself is not looked at: ansible-core 2.19 and later take any trust off it in add_host.)
    record = vm('web-{{ 1 }}', description='{{ lookup("pipe", "id") }}', tags=['db', 'x}'], os_type='l26')
    node_of_record = node(hostname='{% if 1 %}h{% endif %}', tags=['pxe', '{#'], ip_address='10.0.0.{{ 9 }}')
    request = {
        'collections_path': COLLECTIONS_PATH,
        'populate_dir': str(pathlib.Path(POPULATE).parent),
        'source': str(source),
        'data': data([record], nodes=[node_of_record]),
    }
    done = subprocess.run([sys.executable, '-c', MARKING_SCRIPT], input=json.dumps(request), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    marking = json.loads(done.stdout)
    assert list(marking) == ['web-{{ 1 }}']
    strings = marking['web-{{ 1 }}']
    unsafe = sorted(path for path, is_unsafe in strings.items() if is_unsafe)
    assert unsafe == [
        'ansible_host',
        'pureboot_node.hostname',
        'pureboot_node.ip_address',
        'pureboot_node.tags[1]',
        'pureboot_vm.description',
        'pureboot_vm.name',
        'pureboot_vm.tags[1]',
    ]
    # The others were looked at too: a string without a brace cannot be a template and is left as it is.
    assert {'pureboot_vm.os_type', 'pureboot_vm.tags[0]', 'pureboot_node.id', 'pureboot_vm.nics[0].mac'} <= set(strings)
