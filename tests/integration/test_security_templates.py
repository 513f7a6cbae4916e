"""libvirt templates cannot smuggle host access (issue 23 item 4), through real ansible-playbook runs of pureboot_vm.

The template maintainer adds a `<filesystem>` passthrough of the host's `/` and a VNC password they know to a
template on the private libvirtd; pureboot_vm (in check mode and for real) refuses it with one line naming the
element, before any write. One case per element is in tests/contract/test_libvirt_template_policy.py; this is the
security case `libvirt-template-allow-list` of test_security.CASES (docs/security.md).
"""

import json

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import LibvirtBackend
from ansible_collections.pureboot.hypervisors.tests.contract.test_libvirt_template_policy import NAME, define_template
from ansible_collections.pureboot.hypervisors.tests.integration.runner import run_playbook
from ansible_collections.pureboot.hypervisors.tests.integration.test_security import case


@pytest.mark.parametrize('backend', [LibvirtBackend.kind], indirect=True)
@case('libvirt-template-allow-list')
def test_a_template_with_host_access_is_refused_in_check_mode_and_for_real(backend, tmp_path):
    define_template(backend, devices=["<filesystem type='mount' accessmode='passthrough'><source dir='/'/><target dir='hostroot'/></filesystem>"])
    backend.mark = backend.host.log_mark()
    task = {
        'pureboot.hypervisors.pureboot_vm': {'hypervisor': backend.connection(), 'name': 'sec-tpl-clone', 'template': NAME, 'state': 'present'},
        'register': 'out',
        'ignore_errors': True,
    }
    dump = {'write_file': {'content': '{{ out | to_json }}', 'dest': str(tmp_path / 'out.json')}, 'check_mode': False}
    for args in (['--check'], []):
        run = run_playbook(tmp_path, [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task, dump]}], args=args)
        result = json.loads((tmp_path / 'out.json').read_text())
        assert result.get('failed') and result.get('error_category') == 'invalid_input', run.stdout[-3000:]
        assert len(result['msg'].splitlines()) == 1
        assert "template '{0}': <filesystem".format(NAME) in result['msg'], result['msg']
        assert 'Traceback' not in run.stdout + run.stderr
    assert backend.write_count() == 0, 'a write was sent before the template was refused'
    assert 'sec-tpl-clone' not in [dom.name() for dom in backend.host.connect().listAllDomains(0)]
