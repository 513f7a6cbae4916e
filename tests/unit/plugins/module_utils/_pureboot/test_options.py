import json
import os
import subprocess
import sys

from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import pureboot_with_env_fallbacks
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import (
    NODE_OPTION_DEFAULTS,
    PUREBOOT_KEYS,
    pureboot_argument_spec,
    pureboot_node_suboptions,
    pureboot_requested,
)


def test_argument_spec_and_environment_fallbacks():
    spec = pureboot_argument_spec()['pureboot']
    assert spec['type'] == 'dict'
    suboptions = spec['options']
    assert sorted(suboptions) == sorted(PUREBOOT_KEYS)
    assert suboptions['allow_insecure_http'] == {'type': 'bool', 'default': False}
    assert suboptions['api_key']['no_log'] is True and suboptions['password']['no_log'] is True
    # No suboption falls back on its own: the environment's credentials need the whole dict (test_env.py).
    assert not any('fallback' in option for option in suboptions.values())
    environ = {'PUREBOOT_URL': 'https://pb', 'PUREBOOT_USERNAME': 'admin', 'PUREBOOT_PASSWORD': 'secret'}
    completed = pureboot_with_env_fallbacks({'url': 'https://PB/', 'timeout': 5}, environ)
    assert completed == {'url': 'https://PB/', 'timeout': 5, 'username': 'admin', 'password': 'secret'}
    assert pureboot_with_env_fallbacks({'url': 'https://mine', 'timeout': 5}, environ) == {'url': 'https://mine', 'timeout': 5}
    assert not pureboot_requested({'verify_ssl': True, 'timeout': 30, 'url': None})
    assert pureboot_requested(completed)


def test_the_node_suboptions_and_their_defaults_name_the_same_keys():
    suboptions = pureboot_node_suboptions()
    assert sorted(suboptions) == sorted(NODE_OPTION_DEFAULTS)
    assert {key: option.get('default') for key, option in suboptions.items()} == NODE_OPTION_DEFAULTS


# A pureboot_vm or pureboot_vm_info task without PureBoot, as far as PureBoot goes: the modules imported (argument
# specs), the node step's entry, and client_from_module, which finds nothing configured.
WITHOUT_PUREBOOT = """
import json, sys
from ansible_collections.pureboot.hypervisors.plugins.modules import pureboot_vm, pureboot_vm_info
from ansible_collections.pureboot.hypervisors.plugins.module_utils import _vm_state
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import client_from_module


class Module:
    params = {'pureboot': {'url': None, 'api_key': None, 'username': None, 'password': None, 'verify_ssl': True, 'timeout': 30}}
    no_log_values = set()


assert client_from_module(Module()) is None
PUREBOOT_CODE = 'ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.'
print(json.dumps(sorted(name for name in sys.modules if name.startswith(('requests', PUREBOOT_CODE)))))
"""


def test_a_task_without_pureboot_loads_neither_the_client_nor_the_node_code_nor_requests():
    environ = {k: v for k, v in os.environ.items() if not k.startswith('PUREBOOT_')}
    done = subprocess.run([sys.executable, '-c', WITHOUT_PUREBOOT], capture_output=True, text=True, env=environ, check=True)
    assert json.loads(done.stdout) == ['ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options']
