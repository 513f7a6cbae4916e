# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: pureboot
short_description: VMs of Proxmox VE, oVirt/RHV and libvirt/KVM hypervisors, mapped to their PureBoot nodes
version_added: 0.1.0
author:
  - PureBoot contributors (@pureboot)
description:
  - Makes every VM of the listed hypervisors a host, with its normalised record and, when a PureBoot server is
    configured, the PureBoot node it maps to (by the MAC of one of its NICs; the SMBIOS UUID never replaces the MAC).
  - Many hypervisors of both types can be listed in one source file; they are read in parallel.
  - Filters are applied before per-VM details are fetched.
  - An unreachable hypervisor is warned about and skipped, so the others still load, unless
    O(strict_hypervisors=true). A Proxmox node that is offline is warned about; its VMs are listed without details.
  - A PureBoot server that cannot be read (a wrong key, unreachable) is warned about and the VMs load without node
    data, unless O(strict_pureboot=true).
  - Source files must end in C(pureboot.yml) or C(pureboot.yaml).
  - 'Default groups: C(pureboot_hypervisor_<name>), C(pureboot_type_<proxmox|ovirt|libvirt>), C(pureboot_status_<status>),
    and with PureBoot C(pureboot_state_<node state>) or C(pureboot_unregistered).'
  - 'Host variables: C(pureboot_vm) (the normalised VM record: id, name, hypervisor, hypervisor_type, status, node,
    cluster, cpu_cores, memory_mb, nics, disks, ip_addresses, uuid, template, boot_order, firmware, os_type,
    cpu_sockets, cpu_type, start_on_boot, tags, description), C(pureboot_node) (id, mac_address, hostname, state, arch, boot_mode, system_uuid, group_id,
    workflow_id, tags, ip_address; null when no node matches; only with PureBoot), and C(ansible_host).'
  - 'C(ansible_host) is the first address the hypervisor reports for the VM (its guest agent or reported devices).
    When it reports none, C(ansible_host) stays unset (Ansible then uses the VM name), or with
    O(use_cloud_init=true) the static cloud-init address of the VM, or with O(trust_pureboot_ip=true) the address
    PureBoot knows for the node. O(compose) can override it.'
  - A VM's PureBoot node is the node with the MAC address of one of its NICs; the SMBIOS UUID never replaces the MAC.
  - Every value taken from a hypervisor or from PureBoot is marked unsafe, so neither a play nor O(compose),
    O(groups) and O(keyed_groups) ever template it.
  - The inventory cache is keyed by the effective connections (environment variables included, secrets hashed),
    and with a file cache plugin its file is made readable by its owner only.
  - No VM is dropped, and no VM name (a hypervisor user's choice) decides which host a play reaches. Several VMs
    of one name on one hypervisor each become C(<name>_<id>); VMs of one name on several hypervisors each become
    C(<hypervisor>_<name>); none keeps the bare name, which is plain again once it is unique again. A VM named
    C(localhost), a loopback address or the controller's own host name, or like a host or group of an inventory
    source loaded before this one (list this source after your static ones), becomes C(<hypervisor>_<name>); the
    earlier host keeps its name and variables. Each rename is warned about.
  - Nothing secret is written to the inventory cache.
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [pureboot.hypervisors.pureboot]
  hypervisors:
    description:
      - The hypervisor connections (at least one; an empty list fails), each a dictionary with the keys of the
        modules' C(hypervisor) option
        (C(name), C(type), C(api_url), C(username), C(password), C(api_token_id), C(api_token_secret), C(token),
        C(verify_ssl), C(ca_file), C(timeout)).
      - Secret values can be C(!vault) strings.
      - Keys left out fall back to the same environment variables as the modules (C(PUREBOOT_HV_URL), ...).
    type: list
    elements: dict
    required: true
  pureboot:
    description:
      - The PureBoot server, to map each VM to its node; keys C(url), C(api_key) or C(username) and C(password),
        C(verify_ssl), C(ca_file), C(timeout), C(allow_insecure_http). Secret values can be C(!vault) strings.
      - C(http://) is accepted for a loopback host only, unless C(allow_insecure_http=true), which is warned about
        (the API key or password would travel in clear).
    type: dict
  filters:
    description:
      - Which VMs become hosts, applied before any per-VM detail is fetched.
      - C(name), an exact name or a glob; C(status), a list of statuses (C(running), C(stopped), C(paused),
        C(suspended), C(starting), C(stopping), C(locked), C(unknown)); C(tags), a list of tags a VM must all carry.
      - The values are checked as the options of the same name of M(pureboot.hypervisors.pureboot_vm_info) are;
        an unknown key or value (a misspelt status such as C(runing)) fails the source with one line instead of
        giving an empty inventory.
    type: dict
    default: {}
  include_templates:
    description: Make templates hosts too.
    type: bool
    default: false
  max_workers:
    description: Parallel requests, per hypervisor and across hypervisors.
    type: int
    default: 16
  strict_hypervisors:
    description: Fail when a hypervisor cannot be read, instead of warning and skipping it.
    type: bool
    default: false
  strict_pureboot:
    description:
      - Fail when O(pureboot) is given but cannot be read (unreachable, a wrong key, an error answer), instead of
        warning and loading the VMs without node data.
      - Without it such hosts have no C(pureboot_node) variable and are in no C(pureboot_state_*) or
        C(pureboot_unregistered) group, so a play cannot take them for VMs without a node.
      - A mistake in O(pureboot) itself (no C(url), plain C(http://) to another machine) always fails.
    type: bool
    default: false
  use_cloud_init:
    description:
      - Read the cloud-init settings of each VM (as O(pureboot.hypervisors.pureboot_vm#module:cloud_init) sets them),
        one more request per VM. Its cloud-init user becomes C(ansible_user), and its first static address
        (C(ip_config), IPv4 before IPv6) is C(ansible_host) when the hypervisor reports no address for the VM.
      - Off by default, as the user of a play is usually the play's own choice. The password is never read.
    type: bool
    default: false
  trust_pureboot_ip:
    description:
      - Use the IP address PureBoot knows for a VM's node as C(ansible_host) when the hypervisor reports none.
      - PureBoot learns that address from requests that need no login (C(/api/v1/boot), C(/api/v1/report)), so
        anyone on the provisioning network can set it. Turn this on only where that network is trusted.
    type: bool
    default: false
"""

EXAMPLES = r"""
# inventory/lab.pureboot.yml
plugin: pureboot.hypervisors.pureboot
hypervisors:
  - name: pve-lab
    type: proxmox
    api_url: https://pve1.example.com:8006
    api_token_id: automation@pve!inventory
    api_token_secret: !vault |
      $ANSIBLE_VAULT;1.1;AES256
      ...
  - name: rhv-prod
    type: ovirt
    api_url: https://engine.example.com/ovirt-engine/api
    username: admin@internal
    password: !vault |
      $ANSIBLE_VAULT;1.1;AES256
      ...
  - name: kvm1
    type: libvirt
    api_url: qemu+ssh://root@kvm1.example.com/system
pureboot:
  url: https://pureboot.example.com
  api_key: !vault |
    $ANSIBLE_VAULT;1.1;AES256
    ...
filters:
  status: [running, stopped]
max_workers: 16
keyed_groups:
  - key: pureboot_vm.tags
    prefix: tag
compose:
  workflow: pureboot_node.workflow_id | default(none)
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/pureboot-inventory
"""

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Mapping

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import pureboot_with_env_fallbacks, with_env_fallbacks
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import HypervisorError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._inventory import collect, inventory_hosts, validate_source_options
from ansible_collections.pureboot.hypervisors.plugins.plugin_utils._unsafe import make_unsafe

# A slow, salted hash: the cache key covers the secrets (a changed password must not be answered from the
# cache) but must not let whoever reads the cache directory test guesses of them quickly.
CACHE_KEY_SALT = b'pureboot.hypervisors inventory cache'
CACHE_KEY_ROUNDS = 100000


def plain(value):
    """Options with !vault values decrypted into plain strings (the drivers and HTTP clients need str)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def cache_fingerprint(hypervisors, pureboot, settings):
    """What the cached data depends on (the effective connections, secrets included), as a hash."""
    config = json.dumps([hypervisors, pureboot, settings], sort_keys=True, default=str).encode('utf-8')
    return hashlib.pbkdf2_hmac('sha256', config, CACHE_KEY_SALT, CACHE_KEY_ROUNDS).hex()[:32]


def source_group_namespace(groups=None, keyed_groups=None, leading_separator=True):
    """The names the source's own `groups` and `keyed_groups` give their groups, for host_names() (rule 4): (the
    names of `groups` and of the keyed groups' static `parent_group`, the beginnings '<prefix><separator>' of the
    keyed groups' names), lower-case, each also as Ansible's name sanitising (TRANSFORM_INVALID_GROUP_CHARS) writes it.

    A keyed group without a prefix and with leading_separator false is named by its value alone, which can be
    anything: no name can be kept from it (docs/inventory.md).
    """
    names, prefixes = set(), set()
    for name in groups or {}:
        names.add(str(name))
    for keyed in keyed_groups or []:
        if not isinstance(keyed, Mapping):
            continue  # Ansible refuses it when it builds the groups
        # As Constructable._add_host_to_keyed_groups names them: '<prefix><separator><value>', the separator
        # left out only when there is no prefix and leading_separator is false.
        prefix = keyed.get('prefix', '')
        if prefix or leading_separator:
            prefixes.add('{0}{1}'.format(prefix, keyed.get('separator', '_')))
        parent = keyed.get('parent_group')
        if parent and '{' not in str(parent):
            names.add(str(parent))

    def both_spellings(values):
        return {spelling.lower() for value in values for spelling in (value, to_safe_group_name(value, replacer='_', force=True, silent=True))}

    return both_spellings(names), tuple(sorted(prefix for prefix in both_spellings(prefixes) if prefix))


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'pureboot.hypervisors.pureboot'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('pureboot.yml', 'pureboot.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        try:
            validate_source_options(config, C.config.get_configuration_definitions('inventory', self._load_name))
        except HypervisorError as exc:
            raise AnsibleError(str(exc))
        # The connections as they will be used: the environment's values (AWX credentials) are part of them.
        # An entry that is not a dict is left as it is for collect() to refuse in one line.
        hypervisors = [with_env_fallbacks(entry) if isinstance(entry, dict) else entry for entry in plain(self.get_option('hypervisors') or [])]
        pureboot = plain(self.get_option('pureboot'))
        pureboot = pureboot_with_env_fallbacks(pureboot) if pureboot else None
        settings = {'filters': plain(self.get_option('filters') or {}), 'include_templates': self.get_option('include_templates')}
        if self.get_option('use_cloud_init'):
            # Only when on, so the cache keys of sources without the option stay what they were.
            settings['use_cloud_init'] = True
        started = time.monotonic()
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        # The key's slow hash only when there is a cache to look in or to fill.
        cache_key = '{0}_{1}'.format(self.get_cache_key(path), cache_fingerprint(hypervisors, pureboot, settings)) if self.get_option('cache') else None
        data = None
        if use_cache:
            try:
                data = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if data is None:
            data = self._fetch(hypervisors, pureboot, settings)
        if update_cache:
            self._cache[cache_key] = data
            self._write_cache_owner_only(cache_key)
        self._populate(data)
        # Shown at -vvv; make bench reads it to tell this plugin's time from ansible-inventory's own.
        self.display.vvv(
            'pureboot inventory: {0} hosts in {1:.3f}s ({2})'.format(
                len(data['vms']), time.monotonic() - started, 'cache hit' if use_cache and not update_cache else 'fetched'
            )
        )

    def _write_cache_owner_only(self, cache_key):
        """Write the cache now and make its file readable by its owner only.

        Ansible would write it after parse(), and its file cache plugins make every file 0644; the data holds no
        secret, but VM names, addresses and nodes are nobody else's business.
        """
        self.update_cache_if_changed()
        # File cache plugins keep the data in cache_connection, in a file whose name ends with the key (the
        # prefix in front differs between ansible-core versions); other cache plugins have no directory here.
        directory = os.path.expanduser(os.path.expandvars(self.get_option('cache_connection') or ''))
        if directory and os.path.isdir(directory):
            for name in os.listdir(directory):
                if name.endswith(cache_key):
                    os.chmod(os.path.join(directory, name), 0o600)

    @staticmethod
    def _pureboot_client(pureboot):
        """The PureBoot client of the source's server (a context manager), or an empty context without one."""
        if not pureboot:
            return contextlib.nullcontext()
        # Imported only with a PureBoot server: the client loads requests (about 0.1 s of CPU), which a source of
        # libvirt hypervisors alone never needs.
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient

        return PureBootClient.from_options(pureboot)

    def _fetch(self, hypervisors, pureboot, settings):
        try:
            with self._pureboot_client(pureboot) as client:
                for warning in client.warnings if client else ():
                    self.display.warning('pureboot inventory: {0}'.format(warning))
                return collect(
                    hypervisors,
                    settings['filters'],
                    settings['include_templates'],
                    self.get_option('max_workers'),
                    self.get_option('strict_hypervisors'),
                    client,
                    strict_pureboot=self.get_option('strict_pureboot'),
                    use_cloud_init=bool(settings.get('use_cloud_init')),
                )
        except HypervisorError as exc:
            raise AnsibleError(str(exc))

    def _group(self, name):
        return self.inventory.add_group(to_safe_group_name(name, replacer='_', force=True, silent=True))

    def _populate(self, data):
        """Add collect()'s data to the inventory: what to add is decided by inventory_hosts(); here every value
        is marked unsafe on its way in, then the constructed options (compose, groups, keyed_groups) apply."""
        # The hosts and groups of the sources loaded before this one keep their names: a VM named like one of them
        # gets a qualified name instead (host_names()), so `-l db1` never reaches a hypervisor user's VM.
        taken = set(self.inventory.hosts) | set(self.inventory.groups)
        source_groups = source_group_namespace(self.get_option('groups'), self.get_option('keyed_groups'), self.get_option('leading_separator'))
        hosts, warnings = inventory_hosts(data, self.get_option('trust_pureboot_ip'), taken, source_groups=source_groups)
        for warning in warnings:
            self.display.warning('pureboot inventory: {0}'.format(warning))
        strict = self.get_option('strict')
        compose, groups, keyed_groups = self.get_option('compose'), self.get_option('groups'), self.get_option('keyed_groups')
        for host in hosts:
            name = make_unsafe(host.name)
            self.inventory.add_host(name)
            for key, value in host.variables.items():
                self.inventory.set_variable(name, key, make_unsafe(value))
            for group in host.groups:
                self.inventory.add_child(self._group(group), name)
            if not (compose or groups or keyed_groups):
                continue
            # The host's variables gathered once, only for the constructed options that read them.
            variables = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(compose, variables, name, strict=strict)
            self._add_host_to_composed_groups(groups, variables, name, strict=strict)
            self._add_host_to_keyed_groups(keyed_groups, variables, name, strict=strict)
