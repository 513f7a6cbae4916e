# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The oVirt / RHV driver, on ovirtsdk4.

What it does that oVirt needs (see docs/drivers.md): VMs come with their NICs, guest addresses and
tags in one search (`follow=nics,reported_devices,tags`), and the vNIC profiles, clusters and hosts they
point at are read once each, so listing costs the same number of requests for 1 VM or thousands;
templates are looked up in the cluster's data center, the latest version standing for a name; a new VM
is `image_locked` until its disks exist, and a locked VM is waited out within the timeout; the SDK logs
in again when its token expires; reads are retried (bounded) on transient faults, writes never.
"""

from __future__ import annotations

import re
import threading
import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import (
    FOREIGN_ANSWER_ERRORS,
    HypervisorDriver,
    check_boot_order,
    spec_subject,
    vm_subject,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TaskFailedError,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import DROPPED, TIMEOUT
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.changes import OvirtChanges, _new_nic_name
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.cloud_init import (
    _initialization,
    _initialization_fields,
    ovirt_fields,
    ovirt_settings,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.create import OvirtDisks
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.disks import (
    ARCHITECTURE_WORDS,
    _natural,
    cpu_sockets,
    cpu_type,
    disk_records,
    os_type_matches,
    os_type_value,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.errors import _curl_error, _fault_text, _sdk_failure
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.hardware import BOOT_DEVICE, vm_updates
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.lookups import OvirtLookups, _ref_id, _vm_service, cluster_entry, host_entry
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.power import OvirtPower
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.rules import check_description, is_lock_conflict
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import otypes, sdk
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.search import _name_search, _search_value
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import (
    describe_vm,
    host_record,
    name_matches,
    nic_record,
    server_record,
    template_record,
    vm_matches,
    vm_record,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import remaining, retry_while_locked, wait_for_task

API_PATH = '/ovirt-engine/api'
MIB = 1024**2
GIB = 1024**3
# Sub-collections embedded in every VM answer, so a listing needs no request per VM.
VM_FOLLOW = 'nics,reported_devices,tags,disk_attachments.disk'
# One VM (a module's lookup, a wait on it, a listing by name): with its cluster, host, vNIC profiles and storage
# domains too, so that naming them needs no lookup of every one of the engine (four requests a module run).
VM_FOLLOW_ONE = VM_FOLLOW + ',cluster,host,nics.vnic_profile,disk_attachments.disk.storage_domains'
TEMPLATE_FOLLOW = 'nics,disk_attachments.disk'
# The templates a VM is made from (a create, find_template): with their NICs' vNIC profiles and disks' storage
# domains too, so that the record the new VM starts as names them without a lookup of every profile and domain
# of the engine (two requests a create).
TEMPLATE_FOLLOW_ONE = TEMPLATE_FOLLOW + ',nics.vnic_profile,disk_attachments.disk.storage_domains'
BLANK_TEMPLATE_ID = '00000000-0000-0000-0000-000000000000'

# Engine VM status -> record status (docs/modules.md). Anything else is 'unknown'.
VM_STATUS = {
    'up': 'running',
    'migrating': 'running',
    'down': 'stopped',
    'paused': 'paused',
    'suspended': 'suspended',
    'powering_up': 'starting',
    'wait_for_launch': 'starting',
    'reboot_in_progress': 'starting',
    'restoring_state': 'starting',
    'powering_down': 'stopping',
    'saving_state': 'stopping',
    'image_locked': 'locked',
}
# Engine host status -> HOST_STATUSES (_records.py); the states on the way up or being installed are 'unknown'.
HOST_STATUS = {
    'up': 'online',
    'maintenance': 'maintenance',
    'preparing_for_maintenance': 'maintenance',
    'down': 'offline',
    'non_responsive': 'offline',
    'non_operational': 'offline',
    'error': 'offline',
    'install_failed': 'offline',
    'kdumping': 'offline',
    'reboot': 'offline',
}
TEMPLATE_STATUS = {'ok': 'stopped', 'locked': 'locked'}
UEFI_BIOS_TYPES = ('q35_ovmf', 'q35_secure_boot')
NIC_MODELS = ('virtio', 'e1000', 'e1000e', 'rtl8139', 'rtl8139_virtio', 'pci_passthrough', 'spapr_vlan')


def _bios_type(vm, cluster):
    """The VM's effective firmware type: cluster_default means the cluster's type."""
    value = vm.bios.type.value if vm.bios is not None and vm.bios.type is not None else None
    if value in (None, 'cluster_default'):
        value = (cluster or {}).get('bios_type')
    return value


def _cpu_count(entity):
    topology = entity.cpu.topology if entity.cpu is not None else None
    if topology is None:
        return None
    return (topology.sockets or 1) * (topology.cores or 1) * (topology.threads or 1)


def _guest_ips(vm):
    """Addresses the guest agent reports, without loopback and link-local ones."""
    ips = []
    for device in vm.reported_devices or ():
        for ip in device.ips or ():
            address = ip.address
            if address and not address.startswith(('127.', 'fe80')) and address != '::1' and address not in ips:
                ips.append(address)
    return ips


class OvirtDriver(OvirtLookups, OvirtChanges, OvirtPower, OvirtDisks, HypervisorDriver):
    TYPE = 'ovirt'
    PUREBOOT_REGISTRY = True
    PRODUCT = 'an oVirt engine'
    LOGINS = (('username', 'password'), ('token',))
    # oVirt places VMs by cluster (and storage domain); Proxmox's node and pool have no meaning here, and templates
    # belong to a data center, not to a host.
    # The engine starts VMs by their high-availability setting, not with their host: no per-VM autostart.
    FOREIGN = {
        'connection': ('api_token_id', 'api_token_secret'),
        'placement': ('node', 'pool'),
        'hardware': ('start_on_boot',),
        'vm_filters': (),
        'template_filters': ('node',),
    }
    NIC_MODELS = NIC_MODELS
    VLAN_INSTEAD = 'use a vNIC profile of the VLAN network'
    # The engine has no next-run configuration for NICs: a NIC is added, removed or changed (unplugged and plugged
    # back) at once on a running VM.
    COLD_KEYS = tuple(key for key in HypervisorDriver.COLD_KEYS if key != 'networks')

    def __init__(self, connection):
        super().__init__(connection)
        sdk.require(self.label)
        path = connection.path.rstrip('/')
        # The SDK needs the API's own URL; a bare engine address means its standard path.
        self.url = connection.api_url if path else connection.api_url + API_PATH
        self._sdk_connection = None
        self._lock = threading.Lock()
        self._lookups = {}
        self._refreshed = set()
        self._api = None

    # --------------------------------------------------------------- session
    def _session(self):
        with self._lock:
            if self._sdk_connection is None:
                conn = self.conn
                self._sdk_connection = sdk.Connection(
                    url=self.url,
                    username=conn.username,
                    password=conn.password,
                    token=conn.token,
                    insecure=not conn.verify_ssl,
                    ca_file=conn.ca_file if conn.verify_ssl else None,
                    timeout=conn.timeout,
                    # One request per connection: libcurl sends a request again by itself when a reused
                    # connection dies before the answer, which would carry a write out twice.
                    headers={'Connection': 'close'},
                )
            return self._sdk_connection

    def open(self):
        # A password login is the SSO token request, whose answer (a token) proves an oVirt engine already: the
        # module's first read goes to its API next. A token the user gave sends nothing to log in: connect() checks.
        if self.conn.token:
            self.connect()
        else:
            self._read(lambda _system: self._session().authenticate())

    def connect(self):
        if self._api is None:
            try:
                api = self._read(lambda system: system.get())
            except NotFoundError:
                raise self.not_this_api('{0} answers HTTP 404'.format(self.url))
            if api is None or api.product_info is None:
                raise self.not_this_api('its API root names no product')
            self._api = api
        return server_record(version=_version_text(self._api.product_info.version), product=self._api.product_info.name)

    def close(self):
        with self._lock:
            connection, self._sdk_connection = self._sdk_connection, None
        if connection is None:
            return
        try:
            # A token the user gave stays theirs: only a session this driver opened is logged out.
            connection.close(logout=not self.conn.token)
        except Exception:  # pylint: disable=broad-exception-caught
            pass  # closing is best effort; the engine expires the session anyway

    # --------------------------------------------------------------- requests
    def _read(self, request, subject=None):
        """A read: request(system_service) with bounded retries on transient faults."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return request(self._session().system_service())
            except sdk.Error as exc:
                code = getattr(exc, 'code', None)
                if self.retry.again(attempt, status=code, failure=None if code else _sdk_failure(exc)):
                    continue
                raise self.translate_error(exc, subject)
            except FOREIGN_ANSWER_ERRORS as exc:
                raise self._not_ovirt(exc, subject)

    def _write(self, request, subject=None, read_back=None):
        """A write: sent once; the SDK itself repeats it only after a 401 (the engine did nothing then).

        When the connection failed or timed out before the answer, the engine may have acted. read_back() (when
        given) then looks: it returns what the write would have answered when its effect is there, or False when
        the write did not arrive, which is then sent again, once. Never sent again without that look.
        """
        try:
            return request(self._session().system_service())
        except sdk.Error as exc:
            if read_back is not None and getattr(exc, 'code', None) is None and _sdk_failure(exc) in (DROPPED, TIMEOUT):
                found = read_back()
                if found is not False:
                    return found
                return self._write(request, subject)
            raise self.translate_error(exc, subject)
        except FOREIGN_ANSWER_ERRORS as exc:
            raise self._not_ovirt(exc, subject)

    def _not_ovirt(self, exc, subject):
        # The SDK takes access_token out of the SSO login's answer without checking it.
        if isinstance(exc, KeyError):
            return self.not_this_api('its SSO login answer has no {0}'.format(exc), subject)
        return self.not_this_api('its SSO login answer is not JSON', subject)

    def translate_error(self, exc, subject=None):
        """Every SDK exception becomes one typed error here, in the engine's own words, on one line."""
        code = getattr(exc, 'code', None)
        text = _fault_text(exc)
        if isinstance(exc, sdk.AuthError) or code in (401, 403):
            if code == 403:
                return self.error(AuthError, 'permission denied: {0}'.format(text), subject)
            if self.conn.token and not (self.conn.username and self.conn.password):
                # The SDK then tries a login without credentials; what matters is the token.
                return self.error(AuthError, 'authentication failed: the SSO token was refused (expired or revoked?)', subject)
            return self.error(AuthError, 'authentication failed: {0}'.format(text), subject)
        if code is None:
            failure, reason = _sdk_failure(exc), _curl_error(exc)[1]
            if failure is not None:
                return self.transport_error(failure, reason, subject, url=self.url)
            return self.error(ApiError, 'unexpected answer from {0}: {1}'.format(self.url, reason), subject)
        if code == 404 or isinstance(exc, sdk.NotFoundError):
            return self.error(NotFoundError, text, subject)
        if code == 409:
            return self.error(ConflictError, text, subject, details={'locked': is_lock_conflict(text)})
        if code == 400:
            return self.error(InvalidInputError, 'the engine refused the request: {0}'.format(text), subject)
        return self.error(ApiError, 'the engine failed the request (HTTP {0}): {1}'.format(code, text), subject)

    # ----------------------------------------------------------------- records
    def _vm_record(self, vm):
        # One VM is read with its cluster, host, profiles and domains followed (VM_FOLLOW_ONE): the lookups name only
        # what came as a bare link (a listing of many VMs, read with VM_FOLLOW).
        cluster = self._named('clusters', vm.cluster, cluster_entry)
        host = self._named('hosts', vm.host, host_entry)
        profiles = self._profile_names(vm.nics or ())
        domains = self._domain_names(vm.disk_attachments or ())
        nics = []
        for nic in sorted(vm.nics or (), key=lambda n: _natural(n.name)):
            profile = profiles.get(_ref_id(nic.vnic_profile))
            nics.append(
                nic_record(
                    nic.name,
                    mac=nic.mac.address if nic.mac is not None else None,
                    network=profile['name'] if profile else None,
                    model=nic.interface.value if nic.interface is not None else None,
                )
            )
        boot = vm.os.boot.devices if vm.os is not None and vm.os.boot is not None else None
        return vm_record(
            id=vm.id,
            name=vm.name,
            hypervisor=self.label,
            hypervisor_type=self.TYPE,
            status=VM_STATUS.get(vm.status.value if vm.status is not None else None, 'unknown'),
            node=host['name'] if host else None,
            cluster=cluster['name'] if cluster else None,
            cpu_cores=_cpu_count(vm),
            memory_mb=vm.memory // MIB if vm.memory else None,
            nics=nics,
            disks=disk_records(vm.disk_attachments, _names(domains)),
            cpu_sockets=cpu_sockets(vm),
            cpu_type=cpu_type(vm),
            ip_addresses=_guest_ips(vm),
            uuid=vm.id,
            template=False,
            boot_order=[BOOT_DEVICE[d.value] for d in boot or () if d.value in BOOT_DEVICE],
            firmware='uefi' if _bios_type(vm, cluster) in UEFI_BIOS_TYPES else 'bios',
            os_type=vm.os.type if vm.os is not None else None,
            tags=sorted(t.name for t in vm.tags or ()),
            description=vm.description or None,
        )

    def _template_vm_record(self, template, cluster=None):
        """A template as a VM record (template: true), for listings that include templates; with cluster (a lookup
        entry), as a VM made from it in that cluster starts out (firmware 'cluster default' is that cluster's)."""
        clusters = self._lookup_ids('clusters', [_ref_id(template.cluster)])
        # Named from the template itself when it was read with them followed (TEMPLATE_FOLLOW_ONE), else looked up.
        profiles = self._profile_names(template.nics or ())
        domains = self._domain_names(template.disk_attachments or ())
        cluster = cluster or clusters.get(_ref_id(template.cluster))
        nics = []
        for nic in sorted(template.nics or (), key=lambda n: _natural(n.name)):
            profile = profiles.get(_ref_id(nic.vnic_profile))
            nics.append(nic_record(nic.name, network=profile['name'] if profile else None, model=nic.interface.value if nic.interface is not None else None))
        boot = template.os.boot.devices if template.os is not None and template.os.boot is not None else None
        return vm_record(
            id=template.id,
            name=template.name,
            hypervisor=self.label,
            hypervisor_type=self.TYPE,
            status=TEMPLATE_STATUS.get(template.status.value if template.status is not None else None, 'unknown'),
            node=None,
            cluster=cluster['name'] if cluster else None,
            cpu_cores=_cpu_count(template),
            memory_mb=template.memory // MIB if template.memory else None,
            nics=nics,
            ip_addresses=[],
            uuid=None,
            disks=disk_records(template.disk_attachments, _names(domains)),
            cpu_sockets=cpu_sockets(template),
            cpu_type=cpu_type(template),
            template=True,
            boot_order=[BOOT_DEVICE[d.value] for d in boot or () if d.value in BOOT_DEVICE],
            firmware='uefi' if _bios_type(template, cluster) in UEFI_BIOS_TYPES else 'bios',
            os_type=template.os.type if template.os is not None else None,
            tags=[],
            description=template.description or None,
        )

    def _template_record(self, template):
        cluster = self._lookup_ids('clusters', [_ref_id(template.cluster)]).get(_ref_id(template.cluster))
        disks = [a.disk for a in template.disk_attachments or () if a.disk is not None]
        size = disks[0].provisioned_size if disks and disks[0].provisioned_size else None
        return template_record(
            id=template.id,
            name=template.name,
            os_type=template.os.type if template.os is not None else None,
            cpu_cores=_cpu_count(template),
            memory_mb=template.memory // MIB if template.memory else None,
            disk_gb=round(size / GIB, 1) if size else None,
            node=None,
            cluster=cluster['name'] if cluster else None,
            description=template.description or None,
            hypervisor=self.label,
        )

    # ------------------------------------------------------------------ read
    def node_names(self):
        return [h['name'] for h in self._lookup('hosts', refresh=True).values()]

    def cluster_names(self):
        return [c['name'] for c in self._lookup('clusters', refresh=True).values()]

    def facts(self):
        version = self.connect()['version']
        hosts = sorted(self._lookup('hosts', refresh=True).values(), key=lambda h: _natural(h['name']))
        summary = self._api.summary.vms if self._api.summary is not None else None
        if summary is not None and summary.total is not None:
            vm_count = summary.total
        else:
            vm_count = len(self._read(lambda system: system.vms_service().list()))
        return {
            'version': version,
            'hosts': [host_record(h['name'], HOST_STATUS.get(h['status'], 'unknown')) for h in hosts],
            'host_count': len(hosts),
            'vm_count': vm_count,
            'template_count': len(self._latest_templates(self._templates())),
        }

    def _list_vms(self, name=None, status=None, node=None, cluster=None, tags=None, include_templates=False):
        clauses = []
        if name:
            clauses.append(_name_search(name))
        if cluster and _search_value(cluster):
            clauses.append('cluster={0}'.format(_search_value(cluster)))
        engine_statuses = _engine_statuses(status)
        if engine_statuses is not None and len(engine_statuses) == 1:
            # The search language names a status without underscores (imagelocked); `image_locked` is a syntax
            # error the engine answers with an empty list.
            clauses.append('status={0}'.format(engine_statuses[0].replace('_', '')))
        search = ' and '.join(c for c in clauses if c) or None
        # A listing by name is a VM or a few: each with what names it (VM_FOLLOW_ONE); else the lookups do it.
        follow = VM_FOLLOW_ONE if name else VM_FOLLOW
        vms = self._read(lambda system: system.vms_service().list(search=search, case_sensitive=True, follow=follow))
        records = [self._vm_record(vm) for vm in vms]
        if include_templates:
            records.extend(self._template_vm_record(t) for t in self._latest_templates(self._templates()))
        found = [r for r in records if vm_matches(r, name=name, status=status, node=node, cluster=cluster, tags=tags, include_templates=include_templates)]
        return sorted(found, key=lambda r: (r['template'], _natural(r['name']), r['id']))

    def _vm_by_id(self, vm_id, subject=None):
        """The SDK VM with its NICs, guest IPs and tags, or None; the configuration it will have at its next start."""
        if not re.match(r'^[0-9a-fA-F-]{36}$', str(vm_id)):
            return None  # not an oVirt id, so no such VM
        try:
            vm = self._read(lambda system: _vm_service(system, vm_id).get(follow=VM_FOLLOW_ONE), subject)
            if vm.next_run_configuration_exists:
                # Changes to a running VM that the engine keeps for its next start: compare against those.
                vm = self._read(lambda system: _vm_service(system, vm_id).get(follow=VM_FOLLOW_ONE, next_run=True), subject)
        except NotFoundError:
            return None
        return vm

    def get_vm(self, vm_id=None, name=None):
        if vm_id is not None:
            vm = self._vm_by_id(vm_id)
            return self._vm_record(vm) if vm is not None else None
        value = _search_value(name)
        if not value:
            return None  # a name the engine cannot hold
        found = [
            vm
            for vm in self._read(lambda system: system.vms_service().list(search='name={0}'.format(value), case_sensitive=True, follow=VM_FOLLOW_ONE))
            if vm.name == name
        ]
        if len(found) > 1:
            raise self.error(
                ConflictError, 'several VMs are named {0!r}: ids {1}; use id instead'.format(name, ', '.join(sorted(vm.id for vm in found))), describe_vm(name)
            )
        if not found:
            return None
        if found[0].next_run_configuration_exists:
            return self._vm_record(self._vm_by_id(found[0].id))
        return self._vm_record(found[0])

    def _templates(self, dc_name=None, follow=TEMPLATE_FOLLOW):
        """Every template (of one data center), with NICs and disks (follow); Blank is left out."""
        search = 'datacenter={0}'.format(_search_value(dc_name)) if dc_name and _search_value(dc_name) else None
        templates = self._read(lambda system: system.templates_service().list(search=search, follow=follow))
        return [t for t in templates if t.id != BLANK_TEMPLATE_ID]

    def _latest_templates(self, templates):
        """One template per name and data center: the latest version stands for the name."""
        clusters = self._lookup_ids('clusters', [_ref_id(t.cluster) for t in templates])
        latest = {}
        for template in templates:
            key = (template.name, (clusters.get(_ref_id(template.cluster)) or {}).get('dc_id'))
            if key not in latest or _version(template) > _version(latest[key]):
                latest[key] = template
        return sorted(latest.values(), key=lambda t: (_natural(t.name), t.id))

    def _list_templates(self, name=None, node=None, cluster=None):
        dc_name = self._cluster(cluster, None)['dc_name'] if cluster else None
        return [self._template_record(t) for t in self._latest_templates(self._templates(dc_name)) if name_matches(t.name, name)]

    def _find_template(self, ref, cluster, subject):
        """The SDK template named (latest version) or numbered ref in the cluster's data center; NotFoundError lists them."""
        dc_name = cluster['dc_name'] if cluster else None
        if str(ref) in ('Blank', BLANK_TEMPLATE_ID):
            # Blank belongs to every data center: a VM with no disk, made for installing over the network.
            return self._read(lambda system: system.templates_service().template_service(BLANK_TEMPLATE_ID).get(follow=TEMPLATE_FOLLOW_ONE), subject)
        templates = self._templates(dc_name, follow=TEMPLATE_FOLLOW_ONE)
        by_id = [t for t in templates if t.id == str(ref)]
        if by_id:
            return by_id[0]
        latest = [t for t in self._latest_templates(templates) if t.name == ref]
        if not latest:
            raise self.error(
                NotFoundError,
                "template '{0}' not found; available: {1}".format(ref, ', '.join(sorted({t.name for t in templates}, key=_natural)) or 'none'),
                subject,
            )
        if len(latest) > 1:
            raise self.error(ConflictError, "templates named '{0}' exist in several data centers; give the cluster".format(ref), subject)
        return latest[0]

    def find_template(self, ref, node=None, cluster=None, subject=None):
        return self._template_record(self._find_template(ref, self._placement(cluster, subject), subject))

    def _placement(self, cluster, subject):
        """The cluster a new VM goes to: required on oVirt, and one that exists."""
        if not cluster:
            clusters = ', '.join(sorted(c['name'] for c in self._lookup('clusters').values())) or 'none'
            raise self.error(InvalidInputError, "option 'cluster' is required to create a VM on ovirt; available: {0}".format(clusters), subject)
        return self._cluster(cluster, subject)

    # ----------------------------------------------------------------- write
    def validate_spec(self, spec):
        super().validate_spec(spec)
        check_description(spec.get('description'), self.label, spec_subject(spec))

    def preflight(self, spec):
        self.validate_spec(spec)
        subject = spec_subject(spec)
        cluster = self._placement(spec.get('cluster'), subject)
        self._nic_profiles(spec.get('networks'), cluster, subject)
        if not spec.get('template'):
            checked = self._blank_preflight(spec, cluster, subject)
        else:
            template = self._find_template(spec.get('template'), cluster, subject)
            domain = self._storage_domain(spec['storage'], cluster['dc_id'], subject) if spec.get('storage') else None
            # The new VM starts as the template is, in the target cluster: its NICs (new MACs), boot order and
            # firmware; no host until it runs, no tags, and no description (create_vm sends the given one or none).
            clone = dict(self._template_vm_record(template, cluster), node=None, tags=[], description=spec.get('description') or None)
            clone['nics'] = self._template_nics_in(template, clone['nics'], cluster, subject)
            bios = self._effective_bios(spec, cluster, template.bios.type.value if template.bios and template.bios.type else None)
            checked = {
                'cluster': cluster,
                'template': template,
                'domain': domain,
                'clone': clone,
                'new_disks': self._new_disks_checked(spec, cluster, clone, bios, subject),
            }
        # An os_type given that the new VM would not have as it starts is one of the engine's (a blank VM's default,
        # linux, is the engine's other_linux: not read for).
        if spec.get('os_type') and not self.os_type_matches(checked['clone']['os_type'], spec['os_type']):
            self._check_os_type(os_type_value(spec['os_type'], checked['cluster'].get('architecture')), subject, checked['cluster'])
        check_boot_order(spec, self.predict_vm(spec, checked)['nics'], self.label)
        return checked

    def _template_nics_in(self, template, nics, cluster, subject):
        """The NICs (records) a VM made from template in cluster starts with. The engine copies the template's NICs
        but leaves without a network, and without a fault, each whose network the cluster does not have attached
        (AddVmCommand.addVmNetwork, updateProfileOnNic): such a NIC is predicted so, and warned of. A template's
        own cluster has its NICs' networks (AddVmTemplateInterfaceCommand checked them), so only a template used
        in another cluster costs the reads: the profiles and the cluster's networks, once a session each."""
        profile_ids = {nic.name: _ref_id(nic.vnic_profile) for nic in template.nics or () if _ref_id(nic.vnic_profile)}
        if not profile_ids or _ref_id(template.cluster) in (None, cluster['id']):
            return nics
        profiles = self._lookup_ids('profiles', list(profile_ids.values()))
        attached = self._cluster_network_ids(cluster, subject)
        kept = []
        for nic in nics:
            profile = profiles.get(profile_ids.get(nic['name'])) or {}
            if profile.get('network_id') is not None and profile['network_id'] not in attached:
                self.warnings.append(
                    "{0}: {1}: NIC {2} of template '{3}' is on network '{4}', which cluster '{5}' does not have attached: "
                    'the engine makes that NIC without a network; give networks to choose one'.format(
                        self.label, subject, nic['name'], template.name, profile['network'], cluster['name']
                    )
                )
                nic = dict(nic, network=None)
            kept.append(nic)
        return kept

    def new_nic_name(self, taken):
        return _new_nic_name(taken)

    def os_type_value(self, os_type):
        return os_type_value(os_type)

    def os_type_matches(self, current, wanted):
        return os_type_matches(current, wanted)

    def predict_vm(self, spec, checked):
        return super().predict_vm(self._with_blank_defaults(spec), checked)

    def diff_hardware(self, vm, spec):
        # linux and other are a different engine OS on each CPU architecture (other_linux_ppc64...): a change writes
        # the one of the VM's cluster (a lookup the session has, or the one read a change of os_type needs anyway).
        wanted = spec.get('os_type')
        if wanted in ARCHITECTURE_WORDS and vm.get('cluster') and not self.os_type_matches(vm.get('os_type'), wanted):
            cluster = self._cluster(vm['cluster'], vm_subject(vm))
            spec = dict(spec, os_type=os_type_value(wanted, cluster.get('architecture')))
        return super().diff_hardware(vm, spec)

    def predict_changes(self, vm, changes):
        # Check mode's change of a VM that exists is checked as apply_changes checks it before its first write, so
        # check mode refuses what the real run would (a new VM's is checked in preflight): its os_type, and the
        # networks of the NICs it adds or moves, which must be attached to the VM's cluster.
        needs_cluster = vm.get('id') is not None and vm.get('cluster') and ('os_type' in changes or 'networks' in changes)
        cluster = self._cluster(vm['cluster'], vm_subject(vm)) if needs_cluster else None
        if vm.get('id') is not None and 'os_type' in changes:
            self._check_os_type(changes['os_type']['after'], vm_subject(vm), cluster)
        if cluster is not None and 'networks' in changes:
            self._nic_profiles(changes['networks']['after'], cluster, vm_subject(vm), changes['networks']['before'])
        return super().predict_changes(vm, changes)

    def create_vm(self, name, spec, timeout):
        deadline = time.monotonic() + timeout
        spec = dict(spec, name=name)
        subject = spec_subject(spec)
        checked = self.preflight(spec)
        if not spec.get('template'):
            return self._create_blank(name, spec, checked, deadline)
        cluster, template, domain = checked['cluster'], checked['template'], checked['domain']
        # The description is sent, empty when not given: what an engine would copy from the template is not left to it.
        body = otypes.Vm(
            name=name, cluster=otypes.Cluster(id=cluster['id']), template=otypes.Template(id=template.id), description=spec.get('description') or ''
        )
        if domain is not None:
            body.disk_attachments = [
                otypes.DiskAttachment(disk=otypes.Disk(id=a.disk.id, storage_domains=[otypes.StorageDomain(id=domain['id'])]))
                for a in template.disk_attachments or ()
                if a.disk is not None
            ]
        vm = self._add_vm(name, body, (spec.get('clone_mode') or 'full') == 'full', subject, deadline)
        changes = self.diff_hardware(vm, spec)
        return self._apply(vm, changes, deadline) if changes else vm

    def _add_vm(self, name, body, full, subject, deadline):
        """POST /vms, read back when its answer was lost; the new VM's record once it has left image_locked."""

        def made():
            # The engine adds the VM (image_locked) before it answers: one of this name is the new one.
            found = self._read(lambda system: system.vms_service().list(search='name={0}'.format(_search_value(name)), case_sensitive=True), subject)
            found = [vm for vm in found if vm.name == name]
            return found[0] if found else False

        created = self._write(lambda system: system.vms_service().add(body, clone=full), subject, read_back=made)
        subject = vm_subject({'name': name, 'id': created.id})
        # The engine answers at once and makes the disks while the VM is image_locked.
        return wait_for_task(
            lambda: self._unlocked(created.id, subject), remaining(deadline), 'the new VM to leave image_locked', hypervisor=self.label, subject=subject
        )

    def _unlocked(self, vm_id, subject):
        vm = self._vm_by_id(vm_id, subject)
        if vm is None:
            raise self.error(TaskFailedError, 'the engine removed the new VM while making its disks; its events say why', subject)
        return self._vm_record(vm) if vm.status is None or vm.status.value != 'image_locked' else None

    def apply_changes(self, vm, changes, timeout):
        if not changes:
            return vm
        return self._apply(vm, changes, time.monotonic() + timeout)

    def _apply(self, vm, changes, deadline):
        subject = vm_subject(vm)

        def write():
            # Each step compares with what the engine has now, so a step repeated after a lock changes nothing twice.
            current = self._vm_by_id(vm['id'], subject)
            if current is None:
                raise self.error(NotFoundError, 'the VM is gone', subject)
            domains = self._new_disk_domains(current, changes, subject)  # reads only, before any write
            cluster = self._named('clusters', current.cluster, cluster_entry) if 'networks' in changes or 'os_type' in changes else None
            if 'os_type' in changes:
                self._check_os_type(changes['os_type']['after'], subject, cluster)  # reads, before any write
            if cluster is not None and 'networks' in changes:
                # Reads only, before any write: the NICs it adds or moves are on networks of the VM's cluster.
                self._nic_profiles(changes['networks']['after'], cluster, subject, changes['networks']['before'])
            for update, next_run in vm_updates(current, changes, self.label, subject):
                self._write(lambda system, update=update, next_run=next_run: _vm_service(system, vm['id']).update(update, next_run=next_run), subject)
            if 'disks' in changes:
                self._apply_disks(current, changes['disks'], domains, subject)
            if 'networks' in changes:
                self._apply_nics(current, changes['networks']['after'], cluster, subject)
            if 'tags' in changes:
                self._apply_tags(current, changes['tags']['after'], subject)

        retry_while_locked(write, deadline)
        if 'disks' in changes:
            self._wait_disks_ok(vm['id'], deadline, subject)
        return self.get_vm(vm_id=vm['id'])

    # ------------------------------------------------------------ cloud-init
    # The VM's `initialization`, kept on the VM (as ovirt.ovirt's cloud_init_persist does): the engine hands it to
    # the guest at the VM's first start only (its "initial run").
    CLOUD_INIT_APPLIES = 'first_boot'

    def check_cloud_init(self, settings, node=None, template=None, subject=None):
        """Nothing to look up: the engine takes every setting as given."""

    def read_cloud_init(self, vm):
        subject = vm_subject(vm)
        current = self._vm_by_id(vm['id'], subject)
        if current is None:
            raise self.error(NotFoundError, 'the VM is gone', subject)
        return ovirt_settings(_initialization_fields(current.initialization))

    def write_cloud_init(self, vm, settings, change, timeout):
        subject = vm_subject(vm)

        def write():
            current = self._vm_by_id(vm['id'], subject)
            if current is None:
                raise self.error(NotFoundError, 'the VM is gone', subject)
            wanted = dict(settings, password=settings.get('password') if change.get('password') else None)
            fields = ovirt_fields(wanted, _initialization_fields(current.initialization), host_name=current.name)
            body = otypes.Vm(initialization=_initialization(fields))
            self._write(lambda system: _vm_service(system, vm['id']).update(body), subject)

        retry_while_locked(write, time.monotonic() + timeout)
        return self.read_cloud_init(vm)


def _names(domains):
    return {domain_id: entry['name'] for domain_id, entry in domains.items()}


def _engine_statuses(status):
    """The engine statuses behind record statuses (a name or a list), or None when there is no filter."""
    if not status:
        return None
    wanted = [status] if isinstance(status, str) else list(status)
    return sorted(engine for engine, record in VM_STATUS.items() if record in wanted)


def _version(template):
    return template.version.version_number if template.version is not None and template.version.version_number else 0


def _version_text(version):
    if version is None:
        return None
    if version.full_version:
        return version.full_version
    return '.'.join(str(part) for part in (version.major, version.minor, version.build) if part is not None)
