# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The HypervisorDriver contract every hypervisor type implements, and what its callers share.

A driver speaks to one hypervisor through its SDK and answers in the normalised records of
_records.py. It raises the typed errors of _errors.py and never talks to Ansible. Modules and the
inventory plugin only ever use the methods below, so every hypervisor type behaves the same.
"""

from __future__ import annotations

import abc
import concurrent.futures
import json
import os
import re
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast
from urllib.parse import urlsplit

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, HypervisorError, InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import MAX_REQUEST_TIMEOUT, READS, transport_error
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import (
    BOOT_DEVICES,
    DISK_INTERFACES,
    FIRMWARES,
    DiskRecord,
    NicRecord,
    VmRecord,
    describe_vm,
    normalize_mac,
    vm_record,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import wait_for_task

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
    from types import TracebackType
    from typing import Self

    from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import FactsRecord, ServerRecord, TemplateRecord

    # What a VM should look like: pureboot_vm's options (name, template, placement, hardware, pxe_boot ...).
    VmSpec = Mapping[str, Any]
    # diff_hardware()'s answer: {key: {'before', 'after'}}; the disks change is a _disks.DisksChange.
    HardwareChanges = dict[str, Mapping[str, Any]]
    # The cloud_init settings, canonical (_cloud_init.py).
    CloudInitSettings = Mapping[str, Any]

T = TypeVar('T')
R = TypeVar('R')
E = TypeVar('E', bound=HypervisorError)

# The keys of the `hypervisor` option (docs/connections.md).
CONNECTION_KEYS = ('name', 'type', 'api_url', 'username', 'password', 'api_token_id', 'api_token_secret', 'token', 'verify_ssl', 'ca_file', 'timeout')
SECRET_KEYS = ('password', 'api_token_secret', 'token')
# Every hypervisor type, by the name its `type` option takes. The registry (_drivers.py) has a loader for each
# (test_drivers.py checks it); the names stay here, apart from any driver, so that a module packed with one type's
# code (plugins/modules/pureboot_vm_<type>.py) still takes and documents the same option as the others.
HYPERVISOR_TYPES = ('libvirt', 'ovirt', 'proxmox')

# What a VM can be asked to look like; reconciled on every run.
HARDWARE_KEYS = (
    'cpu_cores',
    'memory_mb',
    'networks',
    'disks',
    'boot_order',
    'firmware',
    'description',
    'tags',
    'os_type',
    'cpu_sockets',
    'cpu_type',
    'start_on_boot',
)
NETWORK_KEYS = ('network', 'vlan', 'model', 'mac')
POWER_ACTIONS = ('start', 'shutdown', 'stop', 'reboot')

MAX_MEMORY_MB = 4 * 1024 * 1024
# The VM tags every hypervisor type stores as given: what Proxmox VE (pve-tag) and the oVirt engine both accept.
# Proxmox splits a tag at ';', ',' and spaces and keeps tags lowercase, so other tags would never converge; tags
# are compared and returned lowercase on every type.
VM_TAG = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,49}$')
VM_TAG_RULE = "1-50 letters, digits, '_', '-' or '.', not starting with '-' or '.'"
MAX_CPU_CORES = 512
# What the SDKs raise, outside their own exceptions, when they read another server's answer as their API's:
# they index the JSON they get without checking it (KeyError), or get HTML (JSONDecodeError).
FOREIGN_ANSWER_ERRORS = (KeyError, json.JSONDecodeError)


class Connection:
    """One validated `hypervisor` option: where the hypervisor is and how to log in."""

    def __init__(self, options: Mapping[str, Any] | None) -> None:
        # An empty string is "not given": AWX credential types inject unset inputs as empty variables.
        options = {k: v for k, v in (options or {}).items() if v is not None and v != ''}
        unknown = sorted(set(options) - set(CONNECTION_KEYS))
        if unknown:
            raise InvalidInputError(
                'unknown hypervisor option(s): {0}; known: {1}'.format(', '.join(unknown), ', '.join(CONNECTION_KEYS)), subject='hypervisor'
            )
        # A str once the checks below have passed.
        self.type = cast(str, options.get('type'))
        self.api_url: str = (options.get('api_url') or '').rstrip('/')
        self.name = connection_label(options)
        try:
            parts = urlsplit(self.api_url)
        except ValueError:
            raise InvalidInputError("api_url '{0}' is not a valid URL".format(self.api_url), hypervisor=self.name)
        if not self.type:
            raise InvalidInputError("option 'type' is required (proxmox, ovirt or libvirt)", hypervisor=self.name)
        if not self.api_url:
            raise InvalidInputError("option 'api_url' is required", hypervisor=self.name)
        self.scheme: str = parts.scheme
        self.host: str | None = parts.hostname
        try:
            self.port: int | None = parts.port
        except ValueError:
            raise InvalidInputError("api_url '{0}' has an invalid port".format(self.api_url), hypervisor=self.name)
        self.path: str = parts.path
        self.username: str | None = options.get('username')
        self.password: str | None = options.get('password')
        self.api_token_id: str | None = options.get('api_token_id')
        self.api_token_secret: str | None = options.get('api_token_secret')
        self.token: str | None = options.get('token')
        self.verify_ssl = bool(options.get('verify_ssl', True))
        self.ca_file: str | None = options.get('ca_file')
        try:
            self.timeout = int(options.get('timeout', 30))
        except (TypeError, ValueError):
            raise InvalidInputError("option 'timeout' must be a number of seconds", hypervisor=self.name)
        if not 1 <= self.timeout <= MAX_REQUEST_TIMEOUT:
            raise InvalidInputError(
                "option 'timeout' must be between 1 and {0} seconds, got {1}".format(MAX_REQUEST_TIMEOUT, self.timeout), hypervisor=self.name
            )
        # A missing CA file would surface deep in the TLS stack as an OSError: say what is wrong instead.
        if self.verify_ssl and self.ca_file and not os.path.isfile(self.ca_file):
            raise InvalidInputError("ca_file '{0}' does not exist or is not a file".format(self.ca_file), hypervisor=self.name)
        self.given: frozenset[str] = frozenset(options)

    @property
    def secrets(self) -> list[str]:
        """Every secret value of this connection, for redaction."""
        return [v for v in (self.password, self.api_token_secret, self.token) if v]

    def require_https(self) -> None:
        """Fail with one line unless api_url is an https URL with a host (HypervisorDriver.API_URL_IS_URI says when)."""
        if self.scheme == 'http':
            # These APIs are served over TLS only; plain http would send the password in clear, or be
            # quietly switched to https by an SDK while the http URL is registered in PureBoot.
            raise InvalidInputError(
                "api_url '{0}' uses plain http; hypervisor APIs are reached over https only: use https://".format(self.api_url), hypervisor=self.name
            )
        if self.scheme != 'https' or not self.host:
            raise InvalidInputError("api_url '{0}' is not an https URL".format(self.api_url), hypervisor=self.name)

    def tls_verify(self) -> bool | str:
        """What HTTP clients take as `verify`: False, True, or the CA bundle's path."""
        if not self.verify_ssl:
            return False
        return self.ca_file or True

    def public(self) -> dict[str, Any]:
        """The connection without secrets, for results and the PureBoot registry."""
        return {'name': self.name, 'type': self.type, 'api_url': self.api_url, 'username': self.username, 'verify_ssl': self.verify_ssl}


class HypervisorDriver(abc.ABC):
    """The contract: every hypervisor type implements the abstract methods and answers in the records of _records.py.

    Subclasses set TYPE, PRODUCT, LOGINS and FOREIGN. What a type does not have is refused by one rule here
    (refuse_foreign), for connection options, placement options and filters alike, so types cannot drift apart.
    """

    TYPE: ClassVar[str | None] = None
    # Whether PureBoot's hypervisor registry takes this type (it refuses any other `type` with 422).
    PUREBOOT_REGISTRY: ClassVar[bool] = False
    # What users call the server, with its article, for messages: 'an oVirt engine'.
    PRODUCT: ClassVar[str | None] = None
    # Credential sets that are enough to log in.
    LOGINS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Options this type does not have: of the connection, of a new VM's placement, of its hardware (start_on_boot
    # on a type without autostart), of the VM and template filters. A kind a type leaves out has none.
    FOREIGN: ClassVar[dict[str, tuple[str, ...]]] = {'connection': (), 'placement': (), 'hardware': (), 'vm_filters': (), 'template_filters': ()}
    # The NIC models a VM of this type may have (networks[].model).
    NIC_MODELS: ClassVar[tuple[str, ...]] = ()
    # The disk buses of this type (disks[].interface, words of _records.DISK_INTERFACES) and the one a disk gets
    # when none is given.
    DISK_INTERFACES: ClassVar[tuple[str, ...]] = DISK_INTERFACES
    DEFAULT_DISK_INTERFACE: ClassVar[str] = 'virtio'
    # Where the type has no per-NIC VLAN tag (networks[].vlan): what to use instead, for the message; None: it has.
    VLAN_INSTEAD: ClassVar[str | None] = None
    # The hardware keys a running VM of this type takes only at its next start, for cold_changes(): the module warns
    # when one changes. A disk grows at once, and an added disk is plugged in at once where the bus allows it.
    COLD_KEYS: ClassVar[tuple[str, ...]] = ('cpu_cores', 'memory_mb', 'networks', 'boot_order', 'firmware', 'os_type', 'cpu_sockets', 'cpu_type')
    # Parallel requests for per-VM details (the inventory plugin's max_workers sets it).
    DEFAULT_WORKERS: ClassVar[int] = 16
    # Whether api_url is a URI of the type's own (libvirt's qemu+ssh://...), which its driver checks; False: the https
    # URL of an HTTP API, checked here.
    API_URL_IS_URI: ClassVar[bool] = False

    def __init__(self, connection: Connection) -> None:
        if not self.API_URL_IS_URI:
            connection.require_https()
        self.conn = connection
        self.label = connection.name
        # When a read is asked again (_http.py: one policy for every client).
        self.retry = READS
        self.max_workers = self.DEFAULT_WORKERS
        # Things worth telling the user that are not errors (an offline node skipped, ...), one line each.
        self.warnings: list[str] = []
        self.refuse_foreign('connection', dict.fromkeys(connection.given, True))
        if not any(all(key in connection.given for key in login) for login in self.LOGINS):
            raise InvalidInputError('missing credentials: give {0}'.format(' or '.join(' + '.join(login) for login in self.LOGINS)), hypervisor=self.label)

    def refuse_foreign(self, kind: str, given: Mapping[str, Any], subject: str | None = None) -> None:
        """Fail with one line when given ({option: value}) sets an option of kind that this type does not have."""
        for option in self.FOREIGN.get(kind, ()):
            if given.get(option) not in (None, '', [], ()):
                what = 'filter' if kind.endswith('filters') else 'option'
                raise InvalidInputError("{0} '{1}' does not apply to {2} hypervisors".format(what, option, self.TYPE), hypervisor=self.label, subject=subject)

    # --------------------------------------------------------------- session
    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None) -> None:
        self.close()

    @abc.abstractmethod
    def connect(self) -> ServerRecord:
        """Log in (once); returns server_record(version, product); raises AuthError, TLSError, UnreachableError,
        TimeoutError_, or ApiError when the URL answers as another kind of server."""

    def open(self) -> None:
        """Log in (once) with the checks of connect(), without reading the server's version: what a module needs
        before its first real request. A type whose login answer already proves its API overrides this to save
        the version read; the default is connect()."""
        self.connect()

    @abc.abstractmethod
    def close(self) -> None:
        """Log out and release the session; never raises."""

    # ------------------------------------------------------------------ read
    @abc.abstractmethod
    def facts(self) -> FactsRecord:
        """{'version', 'hosts': [{'name', 'status'}], 'host_count', 'vm_count', 'template_count'}."""

    def list_vms(
        self,
        name: str | None = None,
        status: str | Sequence[str] | None = None,
        node: str | None = None,
        cluster: str | None = None,
        tags: Sequence[str] | None = None,
        include_templates: bool = False,
    ) -> list[VmRecord]:
        """vm_record()s matching the filters; filters apply before any per-VM detail is fetched. A filter this type
        does not have fails, and so does a node or cluster that does not exist (check_filters)."""
        self.refuse_foreign('vm_filters', {'node': node, 'cluster': cluster})
        self.check_filters(node=node, cluster=cluster)
        return self._list_vms(name=name, status=status, node=node, cluster=cluster, tags=tags, include_templates=include_templates)

    @abc.abstractmethod
    def _list_vms(
        self,
        name: str | None = None,
        status: str | Sequence[str] | None = None,
        node: str | None = None,
        cluster: str | None = None,
        tags: Sequence[str] | None = None,
        include_templates: bool = False,
    ) -> list[VmRecord]:
        """list_vms() once its filters are known to apply."""

    @abc.abstractmethod
    def get_vm(self, vm_id: str | None = None, name: str | None = None) -> VmRecord | None:
        """The vm_record() of one VM by id or by exact name, or None; several VMs of that name: ConflictError."""

    def list_templates(self, name: str | None = None, node: str | None = None, cluster: str | None = None) -> list[TemplateRecord]:
        """template_record()s matching the filters (name is a glob). A filter this type does not have fails."""
        self.refuse_foreign('template_filters', {'node': node, 'cluster': cluster})
        self.check_filters(node=node, cluster=cluster)
        return self._list_templates(name=name, node=node, cluster=cluster)

    def check_filters(self, node: str | None = None, cluster: str | None = None) -> None:
        """A node or cluster filter must name one that exists: a typo fails with one line listing the names there
        are, the same in every module and on every type, instead of answering an empty list that reads as "none"."""
        if node:
            check_named('node', node, self.node_names(), self.label)
        if cluster:
            check_named('cluster', cluster, self.cluster_names(), self.label)

    def node_names(self) -> list[str]:
        """The names of the hosts VMs run on (Proxmox nodes, oVirt hosts); by default those facts() lists."""
        return [host['name'] for host in self.facts()['hosts']]

    def cluster_names(self) -> list[str]:
        """The names of the clusters; a type without clusters refuses the option (FOREIGN) and keeps this."""
        return []

    @abc.abstractmethod
    def _list_templates(self, name: str | None = None, node: str | None = None, cluster: str | None = None) -> list[TemplateRecord]:
        """list_templates() once its filters are known to apply."""

    @abc.abstractmethod
    def find_template(self, ref: str, node: str | None = None, cluster: str | None = None, subject: str | None = None) -> TemplateRecord:
        """The template_record() named (or numbered) ref where a VM would be created; NotFoundError lists the others."""

    # ----------------------------------------------------------------- write
    @abc.abstractmethod
    def preflight(self, spec: VmSpec) -> dict[str, Any]:
        """Every check a new VM needs before the first write, reads included (template, node, cluster, storage,
        pool, networks): a typo fails here and leaves nothing behind. Check mode runs it too. Returns what
        create_vm() needs of what it looked up (private to the type)."""

    def predict_vm(self, spec: VmSpec, checked: Mapping[str, Any]) -> VmRecord:
        """The vm_record() create_vm(spec) will return, from what preflight(spec) looked up (checked), without a
        request: check mode shows it and the PureBoot node is previewed from it. Equal to the real result key by key,
        but for what the hypervisor assigns: id, uuid and MACs are None.

        By default: checked['clone'], the record a VM cloned from the template has before create_vm() reconfigures
        it (the type's preflight puts it there), with the changes of diff_hardware() applied; a new NIC gets the
        name new_nic_name() gives and the model virtio, as the drivers add it."""
        clone = vm_record(**dict(checked['clone'], id=None, uuid=None, status='stopped', template=False, ip_addresses=[], name=spec.get('name')))
        predicted = self.predict_changes(clone, self.diff_hardware(clone, spec))
        nics: list[NicRecord] = []
        for nic in predicted['nics']:
            nic = cast(NicRecord, dict(nic, mac=None, model=nic.get('model') or 'virtio'))
            if not nic.get('name'):
                nic['name'] = self.new_nic_name([n['name'] for n in nics])
            nics.append(nic)
        predicted['nics'] = nics
        predicted['tags'] = normalize_tags(predicted['tags'])
        return predicted

    def new_nic_name(self, taken: Sequence[str | None]) -> str | None:
        """The name create_vm() gives a NIC it adds after the NICs named taken; None when the type does not say."""
        return None

    def new_disk_name(self, disks: Sequence[DiskRecord], disk: DiskRecord) -> str | None:
        """The name create_vm()/apply_changes() gives disk (a disk_record() to add, name None) after the disks the
        VM has then (disks, records in bus order); None when the type does not say."""
        return None

    def os_type_value(self, os_type: str) -> str:
        """The type's own word for os_type (linux, windows, other, or already the type's own value)."""
        return os_type

    def os_type_matches(self, current: str | None, wanted: str) -> bool:
        """Whether a VM whose os_type is current (the type's word) already is what wanted (the option) asks for."""
        return current == self.os_type_value(wanted)

    def diff_hardware(self, vm: VmRecord, spec: VmSpec) -> HardwareChanges:
        """diff_hardware() with this type's facts: its default disk bus and its os_type words."""
        return diff_hardware(vm, spec, driver=self)

    def predict_changes(self, vm: VmRecord, changes: HardwareChanges) -> VmRecord:
        """The record the VM will have once apply_changes(vm, changes) is done, without a request (check mode):
        apply_to_record(), with added disks named as new_disk_name() says."""
        after = apply_to_record(vm, changes)
        if 'disks' in changes:
            disks: list[DiskRecord] = []
            for disk in after['disks']:
                if disk.get('name') is None:
                    disk = cast(DiskRecord, dict(disk, name=self.new_disk_name(disks, disk)))
                disks.append(disk)
            after['disks'] = disks
        return after

    @abc.abstractmethod
    def create_vm(self, name: str, spec: VmSpec, timeout: float) -> VmRecord:
        """preflight(), then create the VM from spec['template'] with spec's placement and hardware; returns its
        vm_record() (stopped)."""

    @abc.abstractmethod
    def apply_changes(self, vm: VmRecord, changes: HardwareChanges, timeout: float) -> VmRecord:
        """Write the changes of diff_hardware() to the VM; returns the new vm_record()."""

    @abc.abstractmethod
    def power(self, vm: VmRecord, action: str, timeout: float, wait: bool = True) -> VmRecord | None:
        """start, shutdown, stop or reboot; with wait, return once the VM reached the resulting state.

        A type whose lookup takes the status from a listing that may lag (fresh_status) raises ConflictError with
        details {'status_changed': True} when the hypervisor refuses the action because the VM is not in the status
        the record says (a start of a VM already running): the caller reads the status and decides again."""

    def cold_changes(self, vm: VmRecord, changes: HardwareChanges) -> list[str]:
        """The keys of changes (diff_hardware() of vm, not yet written) that the VM takes only at its next start,
        sorted; none unless it runs. Decided before the write, so check mode gives the same answer without one.
        The default: the changed COLD_KEYS. A type whose hypervisor decides per VM or per change what a running VM
        takes at once (Proxmox VE's hotplug features) overrides this."""
        if vm.get('status') != 'running':
            return []
        return sorted(set(changes) & set(self.COLD_KEYS))

    def fresh_status(self, vm: VmRecord) -> VmRecord:
        """vm with the status the hypervisor reports now. A type whose get_vm() reads the status afresh returns
        vm as it is (the default); one whose get_vm() takes it from a listing that may lag reads it here, once,
        for the decisions that rest on it: that there is nothing to do, or a status to await."""
        return vm

    def check_power_action(self, action: str, subject: str | None = None) -> None:
        """Fail with one line, before any request, unless action is one of POWER_ACTIONS (what power() takes)."""
        if action not in POWER_ACTIONS:
            raise self.error(InvalidInputError, 'unknown power action {0!r}'.format(action), subject)

    @abc.abstractmethod
    def delete_vm(self, vm: VmRecord, timeout: float, wait: bool = True) -> None:
        """Remove a stopped VM and its disks; a VM found running raises ConflictError with {'status_changed': True}
        where its record's status may lag (see power())."""

    def wait_for_status(self, vm: VmRecord, statuses: Collection[str], timeout: float) -> VmRecord:
        """Poll until the VM's status is one of statuses; returns the record. Called on a VM just read on its way
        there (starting, stopping), so the first look comes after a pause (wait_for_task)."""

        def reached() -> VmRecord | None:
            current = self.get_vm(vm_id=vm['id'])
            current = self.fresh_status(current) if current else None
            return current if current and current['status'] in statuses else None

        return wait_for_task(reached, timeout, 'status {0}'.format(' or '.join(statuses)), hypervisor=self.label, subject=vm_subject(vm))

    # ------------------------------------------------------------ cloud-init
    # When the guest reads changed cloud-init settings (the warning pureboot_vm gives): 'next_boot' (a new
    # instance-id makes cloud-init apply them again) or 'first_boot' (the type hands them over at the first start
    # only). The settings are those of _cloud_init.py, compared there; a type overrides the three methods below.
    CLOUD_INIT_APPLIES: ClassVar[str] = 'next_boot'
    # Whether the type writes cloud_init.upgrade (a package upgrade at first boot) itself; where it does not,
    # upgrade: true is refused (refuse_cloud_init_upgrade) and user_data's package_upgrade does it.
    CLOUD_INIT_UPGRADE: ClassVar[bool] = False

    def refuse_cloud_init_upgrade(self, settings: CloudInitSettings, subject: str | None = None) -> None:
        if settings.get('upgrade') and not self.CLOUD_INIT_UPGRADE:
            raise self.error(
                InvalidInputError,
                "cloud_init.upgrade: true is not supported on {0} hypervisors; put 'package_upgrade: true' in cloud_init.user_data".format(self.TYPE),
                subject,
            )

    def check_cloud_init(
        self, settings: CloudInitSettings, node: str | None = None, template: TemplateRecord | None = None, subject: str | None = None
    ) -> None:
        """Every read-only check the cloud_init settings (canonical) need before the first write (a storage for the
        snippets, ...), for a VM on node (None: a new VM's, made from template). A type without cloud-init refuses
        the option."""
        raise self.error(InvalidInputError, "option 'cloud_init' is not supported on {0} hypervisors".format(self.TYPE), subject)

    def read_cloud_init(self, vm: VmRecord) -> dict[str, Any]:
        """The cloud-init settings the VM holds, canonical (_cloud_init.empty_settings() when none): the password
        only as password_set, user_data as user_data_digest where the hypervisor does not give it back."""
        raise self.error(InvalidInputError, "option 'cloud_init' is not supported on {0} hypervisors".format(self.TYPE), vm_subject(vm))

    def write_cloud_init(self, vm: VmRecord, settings: CloudInitSettings, change: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """Write change (_cloud_init.diff_cloud_init) of settings to the VM; returns read_cloud_init() after."""
        raise self.error(InvalidInputError, "option 'cloud_init' is not supported on {0} hypervisors".format(self.TYPE), vm_subject(vm))

    # ---------------------------------------------------------------- shared
    def validate_spec(self, spec: VmSpec) -> None:
        """Refuse options of spec that this type does not have, and values out of range, without a request."""
        subject = spec_subject(spec)
        self.refuse_foreign('placement', spec, subject=subject)
        self.refuse_foreign('hardware', spec, subject=subject)
        validate_hardware(spec, self.label)
        # _disks is imported where a spec is checked or compared: a listing (the inventory) need not load it.
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._disks import validate_disks

        validate_disks(spec.get('disks'), self.DISK_INTERFACES, self.label, subject)
        for index, nic in enumerate(spec.get('networks') or ()):
            if nic.get('vlan') is not None and self.VLAN_INSTEAD:
                raise self.error(InvalidInputError, 'networks[{0}]: vlan does not apply to {1}; {2}'.format(index, self.TYPE, self.VLAN_INSTEAD), subject)
            if nic.get('model') is not None and nic['model'] not in self.NIC_MODELS:
                raise self.error(
                    InvalidInputError, "networks[{0}].model must be one of {1}, got '{2}'".format(index, ', '.join(self.NIC_MODELS), nic['model']), subject
                )

    @abc.abstractmethod
    def translate_error(self, exc: BaseException, subject: str | None = None, **context: Any) -> HypervisorError:
        """The one place where an exception of the type's SDK or API becomes one of the collection's typed errors
        (_errors.HypervisorError): in the server's own words, on one line, naming the hypervisor and subject.
        context: what a type needs besides (Proxmox VE: the API path; libvirt: connecting=True while connecting)."""

    def error(self, cls: type[E], message: str, subject: str | None = None, **kwargs: Any) -> E:
        """An error of class cls about subject on this hypervisor, with secrets removed."""
        return cls(message, hypervisor=self.label, subject=subject, **kwargs).scrubbed(self.conn.secrets)

    def transport_error(self, failure: str, reason: str, subject: str | None = None, url: str | None = None) -> HypervisorError:
        """The typed error of a transport failure (_http.TLS, TIMEOUT, DROPPED) talking to url (the API's)."""
        return transport_error(failure, reason, url or self.conn.api_url, self.conn.timeout, hypervisor=self.label, subject=subject).scrubbed(self.conn.secrets)

    def not_this_api(self, detail: str, subject: str | None = None) -> ApiError:
        """The error for an answer this type's API never gives: the URL points at another server (a wrong type,
        a PureBoot or web server, a wrong path), which the user must be told as such, not as a KeyError."""
        return self.error(ApiError, '{0} does not answer as {1} API ({2})'.format(self.conn.api_url, self.PRODUCT, detail), subject)


def spec_subject(spec: VmSpec) -> str:
    """How messages name the VM a spec is about."""
    return describe_vm(spec.get('name'))


def vm_subject(vm: Mapping[str, Any]) -> str:
    """How messages name an existing VM: its name and id."""
    return describe_vm(vm.get('name'), vm.get('id'))


def connection_label(options: Mapping[str, Any]) -> str:
    """How messages name a connection (a `hypervisor` dict): its name, else the host of its api_url."""
    api_url = (options.get('api_url') or '').rstrip('/')
    try:
        host = urlsplit(api_url).hostname
    except ValueError:  # a malformed address, e.g. an unclosed IPv6 bracket: name it as given
        host = None
    return options.get('name') or host or api_url or 'hypervisor'


def open_driver(options: Connection | Mapping[str, Any] | None, loaders: Mapping[str, Callable[[], type[HypervisorDriver]]]) -> HypervisorDriver:
    """A driver for one `hypervisor` option (a dict), among the types of loaders ({type: function importing its
    driver class}); raises InvalidInputError on bad options or a type the caller does not carry."""
    connection = options if isinstance(options, Connection) else Connection(options)
    if connection.type in loaders:
        return loaders[connection.type]()(connection)
    if connection.type in HYPERVISOR_TYPES:
        # A module packed with some types' code only (pureboot_vm_<type>), run for another type.
        message = "hypervisor type '{0}' is not in this module, which carries {1} only: its name without the type is the module of every type"
        raise InvalidInputError(message.format(connection.type, ', '.join(sorted(loaders))), hypervisor=connection.name)
    raise InvalidInputError("unknown hypervisor type '{0}'; known: {1}".format(connection.type, ', '.join(HYPERVISOR_TYPES)), hypervisor=connection.name)


def check_named(kind: str, name: str, available: Iterable[str | None], hypervisor: str | None, subject: str | None = None) -> None:
    """Fail with one line when name (of a node, cluster, bridge ...) is not among available, listing them."""
    available = sorted({a for a in available if a})
    if name not in available:
        raise NotFoundError("{0} '{1}' not found; available: {2}".format(kind, name, ', '.join(available) or 'none'), hypervisor=hypervisor, subject=subject)


def check_boot_order(spec: VmSpec, nics: Sequence[Any], hypervisor: str | None, devices: Collection[str] | None = None) -> None:
    """The boot order of spec names only devices the VM will have (nics: its NICs; devices: the other boot device
    kinds it has, when the type knows them), checked before anything is written."""
    order = spec.get('boot_order') or ()
    subject = spec_subject(spec)
    if 'network' in order and not nics:
        if spec.get('pxe_boot'):
            # pxe_boot put network first: say that, not that the user's boot_order is wrong.
            raise InvalidInputError('pxe_boot needs a NIC to boot from the network, and the VM has none; give networks', hypervisor=hypervisor, subject=subject)
        raise InvalidInputError('boot_order names network, and the VM has no NIC; give networks', hypervisor=hypervisor, subject=subject)
    if devices is not None:
        missing = [kind for kind in order if kind != 'network' and kind not in devices]
        if missing:
            raise InvalidInputError('boot_order names {0}, and the VM has no such device'.format(', '.join(missing)), hypervisor=hypervisor, subject=subject)


def validate_hardware(spec: VmSpec, hypervisor: str | None) -> None:
    """Range and shape checks of the hardware options that hold for every hypervisor type."""
    subject = spec_subject(spec)
    cores = spec.get('cpu_cores')
    if cores is not None and not 1 <= int(cores) <= MAX_CPU_CORES:
        raise InvalidInputError('cpu_cores must be between 1 and {0}, got {1}'.format(MAX_CPU_CORES, cores), hypervisor=hypervisor, subject=subject)
    memory = spec.get('memory_mb')
    if memory is not None and not 16 <= int(memory) <= MAX_MEMORY_MB:
        raise InvalidInputError('memory_mb must be between 16 and {0}, got {1}'.format(MAX_MEMORY_MB, memory), hypervisor=hypervisor, subject=subject)
    if spec.get('firmware') is not None and spec['firmware'] not in FIRMWARES:
        raise InvalidInputError('firmware must be one of {0}, got {1}'.format(', '.join(FIRMWARES), spec['firmware']), hypervisor=hypervisor, subject=subject)
    boot_order = spec.get('boot_order') or ()
    for device in boot_order:
        if device not in BOOT_DEVICES:
            raise InvalidInputError('boot_order entries must be {0}, got {1}'.format(', '.join(BOOT_DEVICES), device), hypervisor=hypervisor, subject=subject)
    repeated = sorted({device for device in boot_order if list(boot_order).count(device) > 1})
    if repeated:
        # A hypervisor boots from each device once: a repeated entry is stored once and would differ on every run.
        raise InvalidInputError(
            'boot_order names {0} more than once; give each device once'.format(', '.join(repeated)), hypervisor=hypervisor, subject=subject
        )
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._disks import validate_cpu

    validate_cpu(spec, hypervisor, subject)
    bad_tags = [str(tag) for tag in spec.get('tags') or () if not VM_TAG.match(str(tag))]
    if bad_tags:
        raise InvalidInputError(
            'tags must be {0}; got {1}'.format(VM_TAG_RULE, ', '.join(repr(tag) for tag in bad_tags)), hypervisor=hypervisor, subject=subject
        )
    for index, nic in enumerate(spec.get('networks') or ()):
        mac = normalize_mac(nic['mac']) if nic.get('mac') is not None else None
        if nic.get('mac') is not None and mac is None:
            raise InvalidInputError("networks[{0}].mac '{1}' is not a MAC address".format(index, nic['mac']), hypervisor=hypervisor, subject=subject)
        if mac is not None and int(mac[:2], 16) & 1:
            # The I/G bit: a multicast address is no NIC's (Proxmox VE, the oVirt engine and libvirt refuse it).
            raise InvalidInputError(
                "networks[{0}].mac '{1}' is a multicast address; a NIC's MAC is unicast (the first octet even)".format(index, nic['mac']),
                hypervisor=hypervisor,
                subject=subject,
            )
        vlan = nic.get('vlan')
        if vlan is not None and not 1 <= int(vlan) <= 4094:
            raise InvalidInputError('networks[{0}].vlan must be between 1 and 4094, got {1}'.format(index, vlan), hypervisor=hypervisor, subject=subject)


def check_blank_spec(spec: VmSpec, hypervisor: str | None) -> None:
    """A VM made without a template (blank) needs a disk to install on and a NIC to PXE-boot from."""
    if spec.get('template'):
        return
    missing = [what for what, key in (('one disk (disks)', 'disks'), ('one NIC (networks)', 'networks')) if not spec.get(key)]
    if missing:
        raise InvalidInputError(
            'a VM without template is created blank and needs at least {0}'.format(' and '.join(missing)), hypervisor=hypervisor, subject=spec_subject(spec)
        )


def with_pxe_boot(boot_order: Iterable[str] | None) -> list[str]:
    """The boot order with network first (pxe_boot: true), the rest kept in their order."""
    order = list(boot_order or ['disk'])
    return ['network'] + [device for device in order if device != 'network']


def _same_nic(current: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """True when every field the user gave for a NIC matches the current NIC."""
    for key in NETWORK_KEYS:
        want = desired.get(key)
        if want is None:
            continue
        have = current.get(key)
        if key == 'mac':
            want, have = normalize_mac(want), normalize_mac(have)
        elif key == 'vlan':
            want = int(want)
        if want != have:
            return False
    return True


def desired_nics(current_nics: Sequence[NicRecord], desired_networks: Iterable[Mapping[str, Any]]) -> list[NicRecord]:
    """The NIC list a VM should end up with: the current NICs, overridden by the given fields, in order."""
    nics: list[NicRecord] = []
    for index, desired in enumerate(desired_networks):
        base: dict[str, Any] = (
            dict(current_nics[index]) if index < len(current_nics) else {'name': None, 'mac': None, 'network': None, 'model': None, 'vlan': None}
        )
        for key in NETWORK_KEYS:
            if desired.get(key) is not None:
                base[key] = normalize_mac(desired[key]) if key == 'mac' else desired[key]
        if base.get('vlan') is not None:
            base['vlan'] = int(base['vlan'])
        nics.append(cast(NicRecord, base))
    return nics


def normalize_tags(tags: Iterable[object] | None) -> list[str]:
    """Tags as every type returns them: lowercase, each once, sorted."""
    return sorted({str(t).lower() for t in tags or ()})


def _canonical(key: str, value: Any) -> Any:
    if key == 'tags':
        return normalize_tags(value)
    if key == 'description':
        # Compared without trailing whitespace: Proxmox VE stores a description so (a YAML `description: |` ends in
        # a newline), and no type gives trailing whitespace a meaning.
        return re.sub(r'[ \t\n\r\f\v]+\Z', '', value or '')
    if key in ('cpu_cores', 'memory_mb', 'cpu_sockets') and value is not None:
        return int(value)
    if key == 'start_on_boot' and value is not None:
        return bool(value)
    return value


def diff_hardware(vm: VmRecord, spec: VmSpec, driver: HypervisorDriver | None = None) -> HardwareChanges:
    """{key: {'before', 'after'}} for each hardware key of spec (not None) that differs from the VM record.

    This one comparison drives `changed`, check mode and --diff alike: nothing is written when it is empty.
    driver (HypervisorDriver.diff_hardware passes itself) gives the type's default disk bus and os_type words.
    `disks` differs as _disks.diff_disks() says (its change also holds `grow` and `add`); a disk smaller than the
    VM's is refused here, before any write.
    """
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._disks import diff_disks

    changes: HardwareChanges = {}
    for key in HARDWARE_KEYS:
        want = spec.get(key)
        if want is None:
            continue
        if key == 'disks':
            change = diff_disks(
                vm.get('disks'),
                want,
                spec,
                driver.DEFAULT_DISK_INTERFACE if driver else None,
                driver.label if driver else None,
                spec_subject(dict(spec, name=vm.get('name'))),
            )
            if change:
                changes[key] = change
            continue
        if key == 'os_type':
            value = driver.os_type_value(want) if driver else want
            same = driver.os_type_matches(vm.get('os_type'), want) if driver else vm.get('os_type') == want
            if not same:
                changes[key] = {'before': vm.get('os_type'), 'after': value}
            continue
        if key == 'networks':
            current = vm.get('nics') or []
            same = len(current) == len(want) and all(_same_nic(c, d) for c, d in zip(current, want))
            if not same:
                changes[key] = {'before': current, 'after': desired_nics(current, want)}
            continue
        before, after = _canonical(key, vm.get(key)), _canonical(key, want)
        if before != after:
            changes[key] = {'before': before, 'after': after}
    return changes


def apply_to_record(vm: VmRecord, changes: HardwareChanges) -> VmRecord:
    """The record the VM will have once changes are written (check mode and --diff predict it this way)."""
    after: dict[str, Any] = dict(vm)
    for key, change in changes.items():
        after['nics' if key == 'networks' else key] = change['after']
    return cast(VmRecord, after)


def parallel_map(function: Callable[[T], R], items: Iterable[T], max_workers: int) -> list[R]:
    """[function(item) for item in items], run on up to max_workers threads; the first error is raised here."""
    items = list(items)
    if max_workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(function, items))


__all__ = [
    'HARDWARE_KEYS',
    'POWER_ACTIONS',
    'Connection',
    'HypervisorDriver',
    'apply_to_record',
    'check_blank_spec',
    'check_boot_order',
    'check_named',
    'diff_hardware',
    'normalize_tags',
    'parallel_map',
    'spec_subject',
    'validate_hardware',
    'vm_subject',
    'with_pxe_boot',
]
