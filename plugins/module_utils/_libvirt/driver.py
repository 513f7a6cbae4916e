# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The libvirt / KVM driver, on libvirt-python.

One connection is one libvirt host (a libvirtd with its QEMU driver): `api_url` is a libvirt URI, `node` is the
host's name and there is no cluster. A template is a shut-off domain whose <metadata> holds the collection's
marker (TEMPLATE_MARKER); a VM made from it gets clones of its disk volumes (a qcow2 overlay for linked clones,
a copy for full ones), a new UUID and new MACs. Hardware, tags and description live in the domain's persistent
definition, which is read, changed and defined again in one write; a running domain takes the change at its
next start, as on the other types. Reads are retried (bounded) on a lost connection, after opening a new one;
writes never are. libvirt's errors become the collection's typed errors in one place (translate_error).
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import (
    HypervisorDriver,
    check_boot_order,
    check_named,
    parallel_map,
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
    TLSError,
    UnreachableError,
    one_line,
    some_names,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import DROPPED
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.blank import LibvirtBlank
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.disks import LIBOSINFO_ID, OS_WORDS, cpu_type
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.domain_xml import (
    BRIDGE_PREFIX,
    GIB,
    KIB_PER_MIB,
    NIC_MODELS,
    apply_hardware,
    clone_definition,
    disk_volume_name,
    parse_domain,
    record_volume,
    to_xml,
    volume_xml,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.power import LibvirtPower
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.sdk import libvirt
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.seed import LibvirtSeed
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.session import LibvirtSession
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.states import domain_status, guest_addresses
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.uri import check_uri, uri_transport
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

# A libvirt network or bridge name, a volume name made from a VM name: no path separators, no XML surprises.
SAFE_NAME = re.compile(r'^[A-Za-z0-9_.+-]+$')


def _connection_lost(exc):
    """True when a libvirt error says the connection to the daemon is gone (closed by it, a restart, a network cut)."""
    text = exc.get_error_message() or ''
    return (
        exc.get_error_domain() in (libvirt.VIR_FROM_RPC, libvirt.VIR_FROM_REMOTE)
        and (exc.get_error_code() in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_RPC, libvirt.VIR_ERR_NO_CONNECT) or 'client socket is closed' in text)
    ) or exc.get_error_code() == libvirt.VIR_ERR_INVALID_CONN


def _not_sent(exc):
    """True when the request never reached the daemon (the socket was already closed): sending it again is safe."""
    text = exc.get_error_message() or ''
    return 'client socket is closed' in text or 'Cannot write data' in text


class LibvirtDriver(LibvirtSession, LibvirtPower, LibvirtSeed, LibvirtBlank, HypervisorDriver):
    TYPE = 'libvirt'
    PRODUCT = 'a libvirt daemon'
    # libvirt needs no credentials of the collection: SSH keys, TLS client certificates or the local socket's
    # permissions log in. username + password are for SASL, when the daemon asks for it (checked in __init__).
    LOGINS = ((),)
    # One connection is one host: no cluster, and Proxmox's resource pools do not exist (storage names the
    # libvirt storage pool).
    FOREIGN = {
        'connection': ('api_token_id', 'api_token_secret', 'token'),
        'placement': ('cluster', 'pool'),
        'vm_filters': ('cluster',),
        'template_filters': ('cluster',),
    }
    NIC_MODELS = NIC_MODELS
    VLAN_INSTEAD = 'use a libvirt network (or its portgroup) of the VLAN'
    # A libvirt URI (qemu:///system, qemu+ssh://...), checked by uri.check_uri in __init__.
    API_URL_IS_URI = True

    def __init__(self, connection):
        super().__init__(connection)
        if bool(connection.username) != bool(connection.password):
            raise InvalidInputError(
                'missing credentials: give username + password (SASL), or neither (SSH keys, TLS client certificates, the local socket)', hypervisor=self.label
            )
        self.parts = check_uri(connection.api_url, self.label)
        libvirt.require(self.label)
        self.transport = uri_transport(self.parts)
        # The ACPI power button is QEMU's; libvirt's test driver knows only its default shutdown.
        self._shutdown_flags = 0 if self.parts.scheme == 'test' else libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN
        # Undefine removes the domain's saved state, snapshot and checkpoint metadata and UEFI variables with it
        # (the test driver has no NVRAM or checkpoints).
        self._undefine_flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        if self.parts.scheme != 'test':
            self._undefine_flags |= libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        self._conn = None
        self._lock = threading.RLock()
        self._pki_dir = None
        self._hostname = None
        self._version = None
        self._kvm = {}
        # The disk targets of each domain read (uuid -> [target]): check mode names added disks after them.
        self._seen_targets = {}
        # The architecture of each domain read (uuid -> arch): check mode checks a CPU model against its models.
        self._seen_arches = {}
        # The CPU models libvirt has for each architecture (arch -> names, or None where it cannot tell).
        self._cpu_models = {}

    # --------------------------------------------------------------- session (session.py opens it)
    def connect(self):
        if self._version is None:
            version = self._read(lambda conn: conn.getLibVersion())
            self._version = server_record(version='{0}.{1}.{2}'.format(version // 1000000, version // 1000 % 1000, version % 1000), product='libvirt')
        return self._version

    def close(self):
        with self._lock:
            self._drop()
        self._remove_pki()

    # --------------------------------------------------------------- requests
    def _read_unless_missing(self, request, missing, subject=None):
        """A read of one object: request(connection), or None when libvirt answers one of the error codes in
        missing (no such domain, pool, volume)."""

        def find(conn):
            try:
                return request(conn)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() in missing:
                    return None
                raise

        return self._read(find, subject)

    def _read(self, request, subject=None):
        """A read: request(connection), asked again on a new connection (bounded) when the old one was lost."""
        attempt = 0
        while True:
            attempt += 1
            conn = self._session()
            try:
                return request(conn)
            except libvirt.libvirtError as exc:
                if _connection_lost(exc):
                    with self._lock:
                        if self._conn is conn:
                            self._drop()
                    if self.retry.again(attempt, failure=DROPPED):
                        continue
                raise self.translate_error(exc, subject)

    def _write(self, request, subject=None):
        """A write: sent once, or once more on a new connection only when the old one was closed before it left."""
        for attempt in (1, 2):
            conn = self._session()
            try:
                return request(conn)
            except libvirt.libvirtError as exc:
                if _connection_lost(exc):
                    with self._lock:
                        if self._conn is conn:
                            self._drop()
                    if attempt == 1 and _not_sent(exc):
                        continue
                raise self.translate_error(exc, subject)
        return None  # not reached: the second attempt returns or raises

    def translate_error(self, exc, subject=None, connecting=False):
        """Every libvirt error becomes one typed error here, in libvirt's own words, on one line."""
        code, domain = exc.get_error_code(), exc.get_error_domain()
        text = one_line(exc.get_error_message() or exc)
        url = self.conn.api_url
        if code in (libvirt.VIR_ERR_AUTH_FAILED, libvirt.VIR_ERR_AUTH_CANCELLED, libvirt.VIR_ERR_AUTH_UNAVAILABLE) or 'Permission denied (publickey' in text:
            if not self.conn.username and 'SASL' in text.upper():
                text += '; the daemon asks for a SASL login: give username and password'
            # libvirt words it "authentication failed: authentication failed" already: say it once.
            text = re.sub(r'^(authentication failed:?\s*)+', '', text, flags=re.IGNORECASE) or 'the daemon refused the login'
            return self.error(AuthError, 'authentication failed: {0}'.format(text), subject)
        if code in (libvirt.VIR_ERR_ACCESS_DENIED, libvirt.VIR_ERR_OPERATION_DENIED):
            return self.error(AuthError, 'permission denied: {0}'.format(text), subject)
        if code == libvirt.VIR_ERR_GNUTLS_ERROR or re.search(r'certificate|\bTLS\b|GnuTLS', text) or 'Host key verification failed' in text:
            return self.error(TLSError, 'TLS or SSH host verification failed for {0}: {1}'.format(url, text), subject)
        if code in (
            libvirt.VIR_ERR_NO_DOMAIN,
            libvirt.VIR_ERR_NO_STORAGE_POOL,
            libvirt.VIR_ERR_NO_STORAGE_VOL,
            libvirt.VIR_ERR_NO_NETWORK,
            libvirt.VIR_ERR_NO_INTERFACE,
        ):
            return self.error(NotFoundError, text, subject)
        if code == libvirt.VIR_ERR_OPERATION_TIMEOUT:
            # The domain's state change lock, held by another job (a migration, a backup, a save).
            return self.error(ConflictError, text, subject, details={'locked': True})
        if code == libvirt.VIR_ERR_DOM_EXIST or 'already exists' in text:
            return self.error(ConflictError, text, subject)
        if code in (
            libvirt.VIR_ERR_XML_ERROR,
            libvirt.VIR_ERR_XML_DETAIL,
            libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
            libvirt.VIR_ERR_INVALID_ARG,
            libvirt.VIR_ERR_XML_INVALID_SCHEMA,
        ):
            return self.error(InvalidInputError, 'libvirt refused the request: {0}'.format(text), subject)
        if connecting or _connection_lost(exc) or domain in (libvirt.VIR_FROM_SSH, libvirt.VIR_FROM_LIBSSH):
            return self.error(UnreachableError, 'cannot reach {0}: {1}'.format(url, text), subject)
        if code == libvirt.VIR_ERR_OPERATION_INVALID:
            return self.error(ConflictError, text, subject)
        return self.error(ApiError, 'libvirt failed the request: {0}'.format(text), subject)

    # ------------------------------------------------------------------ host
    def _host_name(self):
        if self._hostname is None:
            self._hostname = self._read(lambda conn: conn.getHostname())
        return self._hostname

    def _domain_type(self, template_type, arch, machine):
        """The template's domain type, or qemu (TCG) when it asks for kvm and this host cannot run KVM."""
        if template_type != 'kvm':
            return template_type or 'qemu'
        key = (arch, machine)
        if key not in self._kvm:
            try:
                self._session().getDomainCapabilities(None, arch, machine, 'kvm', 0)
                self._kvm[key] = True
            except libvirt.libvirtError as exc:
                if _connection_lost(exc):
                    raise self.translate_error(exc, None)
                self._kvm[key] = False  # libvirt: KVM is not supported (no usable /dev/kvm)
        return 'kvm' if self._kvm[key] else 'qemu'

    # ------------------------------------------------------------------ read
    def _domains(self):
        """Every domain of the host (one request)."""
        return self._read(lambda conn: conn.listAllDomains(0))

    def _states(self):
        """{uuid: (state, reason)} of every domain, in one request."""
        stats = self._read(lambda conn: conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE, 0))
        return {dom.UUIDString().lower(): (values.get('state.state'), values.get('state.reason')) for dom, values in stats}

    def _definition(self, dom, subject=None, secure=False):
        """The domain's persistent definition (what it has at its next start), parsed."""
        flags = libvirt.VIR_DOMAIN_XML_INACTIVE | (libvirt.VIR_DOMAIN_XML_SECURE if secure else 0)
        text = self._read(lambda _conn: dom.XMLDesc(flags), subject)
        try:
            return text, parse_domain(text)
        except ET.ParseError as exc:
            raise self.error(ApiError, 'the definition of the domain is not XML: {0}'.format(exc), subject)

    def _addresses(self, dom, facts):
        """Guest addresses: from the guest agent where one runs, else from the DHCP leases of libvirt networks."""
        sources = []
        if facts['agent']:
            sources.append(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
        if any(n['network'] and not n['network'].startswith(BRIDGE_PREFIX) for n in facts['nics']):
            sources.append(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)
        for source in sources:
            try:
                found = guest_addresses(self._read(lambda _conn, source=source: dom.interfaceAddresses(source, 0)))
            except (AuthError, ConflictError, ApiError, NotFoundError):
                continue  # the agent is not running (yet): best effort, as on the other types
            if found:
                return found
        return []

    def _record(self, facts, state, addresses=None, hardware=None):
        status = domain_status(*state) if state else 'unknown'
        return vm_record(
            **dict(hardware or {}),
            **dict(
                id=facts['uuid'],
                name=facts['name'],
                hypervisor=self.label,
                hypervisor_type=self.TYPE,
                status=status,
                node=self._host_name(),
                cluster=None,
                cpu_cores=facts['vcpus'],
                memory_mb=facts['memory_kib'] // KIB_PER_MIB if facts['memory_kib'] else None,
                nics=[nic_record(n['name'], mac=n['mac'], network=n['network'], model=n['model']) for n in facts['nics']],
                ip_addresses=addresses or [],
                uuid=facts['uuid'],
                template=facts['template'],
                boot_order=facts['boot_order'],
                firmware=facts['firmware'],
                os_type=facts['os_type'],
                tags=facts['tags'],
                description=facts['description'],
            ),
        )

    def _detailed(self, dom, state, autostart=None):
        """The record of dom; autostart: its flag when already known (None: asked of the domain)."""
        _text, facts = self._definition(dom)
        self._seen_arches[facts['uuid']] = facts['arch']
        addresses = self._addresses(dom, facts) if state and domain_status(*state) == 'running' and not facts['template'] else []
        return self._record(facts, state, addresses, self._hardware_fields(dom, facts, autostart=autostart))

    def _autostarting(self):
        """The UUIDs of the domains whose autostart flag is set, in one request for every domain (instead of one
        virDomainGetAutostart per domain)."""
        domains = self._read(lambda conn: conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART))
        return {dom.UUIDString().lower() for dom in domains}

    def facts(self):
        version = self.connect()['version']
        # Counting needs the definitions (the template marker), not the guests' addresses.
        domains = len(self._domains())
        templates = len(self._templates())
        # The host answered, so it is online: a libvirt host has no maintenance mode of its own.
        return {
            'version': version,
            'hosts': [host_record(self._host_name(), 'online')],
            'host_count': 1,
            'vm_count': max(domains - templates, 0),
            'template_count': templates,
        }

    def _all_records(self, name=None, status=None):
        """Records of the domains whose name and status match (both known before any definition is read)."""
        states = self._states()
        candidates = [dom for dom in self._domains() if name_matches(dom.name(), name)]
        if status:
            wanted = [status] if isinstance(status, str) else list(status)
            candidates = [dom for dom in candidates if domain_status(*states.get(dom.UUIDString().lower(), (None, None))) in wanted]
        if not candidates:
            return []
        # Every record names the host: read its name once here, not by each worker at once before one has kept it.
        self._host_name()
        autostarting = self._autostarting()

        def detailed(dom):
            uuid = dom.UUIDString().lower()
            return self._detailed(dom, states.get(uuid), uuid in autostarting)

        return parallel_map(detailed, candidates, self.max_workers)

    def _list_vms(self, name=None, status=None, node=None, cluster=None, tags=None, include_templates=False):
        if node and node != self._host_name():
            return []
        found = [
            r
            for r in self._all_records(name=name, status=status)
            if vm_matches(r, name=name, status=status, node=node, tags=tags, include_templates=include_templates)
        ]
        return sorted(found, key=lambda r: (r['template'], r['name'], r['id']))

    def _lookup(self, vm_id=None, name=None):
        """The libvirt domain of this UUID or name, or None."""
        if vm_id is not None and not re.match(r'^[0-9a-fA-F-]{32,36}$', str(vm_id)):
            return None  # not a UUID, so no such domain
        return self._read_unless_missing(
            lambda conn: conn.lookupByUUIDString(str(vm_id)) if vm_id is not None else conn.lookupByName(name),
            (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_INVALID_ARG),
            describe_vm(name, vm_id),
        )

    def get_vm(self, vm_id=None, name=None):
        dom = self._lookup(vm_id=vm_id, name=name)
        if dom is None:
            return None
        subject = describe_vm(dom.name(), dom.UUIDString())
        state = tuple(self._read(lambda _conn: dom.state(0), subject))
        return self._detailed(dom, state)

    def _templates(self):
        """(domain, facts) of every template: domains whose metadata holds the template marker."""

        def definition(dom):
            try:
                return dom, self._definition(dom)[1]
            except NotFoundError:
                return dom, None  # undefined meanwhile

        pairs = parallel_map(definition, self._domains(), self.max_workers)
        return sorted([(dom, facts) for dom, facts in pairs if facts and facts['template']], key=lambda pair: pair[1]['name'])

    def _disk_bytes(self, facts):
        """The capacity of the template's first disk, or None when it cannot be read."""
        disks = [d for d in facts['disks'] if d['device'] == 'disk']
        if not disks:
            return None
        try:
            volume = self._volume(disks[0], None)
            return self._read(lambda _conn: volume.info())[1]
        except (NotFoundError, InvalidInputError, ApiError):
            return None

    def _template_record(self, facts):
        size = self._disk_bytes(facts)
        return template_record(
            id=facts['uuid'],
            name=facts['name'],
            os_type=facts['os_type'],
            cpu_cores=facts['vcpus'],
            memory_mb=facts['memory_kib'] // KIB_PER_MIB if facts['memory_kib'] else None,
            disk_gb=round(size / GIB, 1) if size else None,
            node=self._host_name(),
            cluster=None,
            description=facts['description'],
            hypervisor=self.label,
        )

    def _list_templates(self, name=None, node=None, cluster=None):
        if node and node != self._host_name():
            return []
        found = [facts for _dom, facts in self._templates() if name_matches(facts['name'], name)]
        return parallel_map(self._template_record, found, self.max_workers)

    def _find_template(self, ref, subject):
        """(domain, facts, XML with secrets) of the template named or with UUID ref; NotFoundError lists them."""
        templates = self._templates()
        found = [pair for pair in templates if pair[1]['uuid'] == str(ref).lower()] or [pair for pair in templates if pair[1]['name'] == ref]
        if not found:
            raise self.error(
                NotFoundError, "template '{0}' not found; available: {1}".format(ref, ', '.join(facts['name'] for _dom, facts in templates) or 'none'), subject
            )
        dom = found[0][0]
        text, facts = self._definition(dom, subject, secure=True)
        return dom, facts, text

    def find_template(self, ref, node=None, cluster=None, subject=None):
        self._check_node(node, subject)
        return self._template_record(self._find_template(ref, subject)[1])

    # ---------------------------------------------------------------- lookups
    def _check_node(self, node, subject):
        # The same line as the node filters (check_filters) and the other types: the host is the one node there is.
        if node:
            check_named('node', node, [self._host_name()], self.label, subject)

    def _pool(self, name, subject):
        """The active storage pool called name; NotFoundError lists the pools."""
        pool = self._read_unless_missing(lambda conn: conn.storagePoolLookupByName(name), (libvirt.VIR_ERR_NO_STORAGE_POOL,), subject)
        if pool is None:
            names = self._read(lambda conn: sorted(p.name() for p in conn.listAllStoragePools(0)), subject)
            raise self.error(NotFoundError, "storage pool '{0}' not found; available: {1}".format(name, ', '.join(names) or 'none'), subject)
        if not self._read(lambda _conn: pool.isActive(), subject):
            raise self.error(ConflictError, "storage pool '{0}' is not active".format(name), subject)
        return pool

    def _volume(self, disk, subject):
        """The storage volume behind a disk of a definition (by pool and volume, or by path)."""
        if disk['type'] == 'volume' and disk['pool'] and disk['volume']:
            pool = self._pool(disk['pool'], subject)
            return self._read(lambda _conn: pool.storageVolLookupByName(disk['volume']), subject)
        if disk['path']:
            return self._read(lambda conn: conn.storageVolLookupByPath(disk['path']), subject)
        raise self.error(InvalidInputError, 'disk {0} has no source to clone'.format(disk['target']), subject)

    def _check_network(self, network, index, subject):
        """A NIC's network exists: a libvirt network by name, or a host bridge (bridge:<name>)."""
        if network.startswith(BRIDGE_PREFIX):
            bridge = network[len(BRIDGE_PREFIX) :]
            if not SAFE_NAME.match(bridge):
                raise self.error(InvalidInputError, "networks[{0}].network: '{1}' is not a bridge name".format(index, bridge), subject)
            return
        names = self._read(lambda conn: sorted(n.name() for n in conn.listAllNetworks(0)), subject)
        if network not in names:
            raise self.error(NotFoundError, "network '{0}' not found; available: {1}".format(network, ', '.join(names) or 'none'), subject)

    # ----------------------------------------------------------------- write
    def validate_spec(self, spec):
        super().validate_spec(spec)
        subject = spec_subject(spec)
        if spec.get('name') and not SAFE_NAME.match(str(spec['name'])):
            # The name also names the VM's disk volumes (files in the pool): no path separators, no spaces.
            raise self.error(InvalidInputError, "the name may hold letters, digits, '_', '-', '+' and '.', got {0!r}".format(spec['name']), subject)
        os_type = spec.get('os_type')
        if os_type and os_type not in OS_WORDS and not LIBOSINFO_ID.match(os_type):
            # libvirt keeps the libosinfo metadata as given and never reads it, and has no list of OS ids to check one
            # against: only the id's form can be checked (a short id such as debian12 is not stored by virt-install).
            raise self.error(
                InvalidInputError,
                'os_type must be linux, windows, other or a libosinfo OS id such as http://debian.org/debian/12 '
                "(the IDs osinfo-query os lists), got '{0}'".format(os_type),
                subject,
            )

    def _check_cpu_model(self, model, arch, subject):
        """A custom CPU model (cpu_type other than host and host-model) is one libvirt knows for the domain's
        architecture, checked before the definition is written. libvirt defines a domain with any model and refuses it
        only at its start ('Unknown CPU model', its CPU driver: cpu_x86.c x86ModelFromCPU over the CPU map), so an
        unknown one would leave a VM that never starts. The models are virConnectGetCPUModelNames' (the same CPU map):
        one call per architecture a session, made only for a model a run writes. Where libvirt names none for the
        architecture (aarch64) or cannot tell, nothing is checked."""
        if not model or model in ('host', 'host-model') or not arch:
            return
        if arch not in self._cpu_models:
            try:
                names = self._read(lambda conn: conn.getCPUModelNames(arch, 0), subject)
            except (InvalidInputError, ApiError):
                names = None  # an architecture libvirt has no CPU map for
            self._cpu_models[arch] = frozenset(names) if names else None
        names = self._cpu_models[arch]
        if names is not None and model not in names:
            raise self.error(
                InvalidInputError,
                "cpu_type '{0}' is not a CPU model libvirt knows for {1}: the domain would not start; give host or one of its {2} models "
                '(virsh cpu-models {1}), e.g. {3}'.format(model, arch, len(names), some_names(model, names)),
                subject,
            )

    def _domain_arch(self, vm, subject):
        """The architecture of the domain of the record vm: as read with it, else from its definition."""
        if vm['id'] not in self._seen_arches:
            dom = self._lookup(vm_id=vm['id'])
            if dom is None:
                raise self.error(NotFoundError, 'the VM is gone', subject)
            self._seen_arches[vm['id']] = self._definition(dom, subject)[1]['arch']
        return self._seen_arches[vm['id']]

    def predict_changes(self, vm, changes):
        if vm.get('id') is not None and 'cpu_type' in changes:
            # Check mode's change of a domain that exists: its CPU model is checked as apply_changes checks it before
            # its write, so check mode refuses what the real run would (a new VM's is checked in preflight).
            self._check_cpu_model(changes['cpu_type']['after'], self._domain_arch(vm, vm_subject(vm)), vm_subject(vm))
        return super().predict_changes(vm, changes)

    def preflight(self, spec):
        if not spec.get('template'):
            return self._preflight_blank(spec)
        self.validate_spec(spec)
        subject = spec_subject(spec)
        self._check_node(spec.get('node'), subject)
        template_dom, template, template_xml = self._find_template(spec.get('template'), subject)
        # Imported here: the template policy is needed only to create a VM, not to list them.
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.template_policy import allowed_template_xml

        template_xml = allowed_template_xml(self, template['name'], template_xml, subject)
        if spec.get('cpu_type') and spec['cpu_type'] != cpu_type(template):
            self._check_cpu_model(spec['cpu_type'], template['arch'], subject)
        if self._read(lambda _conn: template_dom.isActive(), subject):
            raise self.error(ConflictError, "template '{0}' is running; shut it off to clone its disks".format(template['name']), subject)
        disks = []
        for disk in template['disks']:
            if disk['device'] != 'disk':
                continue  # CD-ROMs (an installer ISO) are shared, not cloned
            volume = self._volume(disk, subject)
            path = self._read(lambda _conn, volume=volume: volume.path(), subject)
            source_pool = self._read(lambda _conn, volume=volume: volume.storagePoolLookupByVolume(), subject)
            disks.append(
                {
                    'target': disk['target'],
                    'volume': volume,
                    'path': path,
                    'format': disk['format'],
                    'pool': source_pool.name(),
                    'capacity': self._read(lambda _conn, volume=volume: volume.info()[1], subject),
                }
            )
        pool_name = spec.get('storage') or (disks[0]['pool'] if disks else None)
        pool = self._pool(pool_name, subject) if pool_name else None
        for index, nic in enumerate(spec.get('networks') or ()):
            if nic.get('network'):
                self._check_network(nic['network'], index, subject)
        if spec.get('name') and self._lookup(name=spec['name']) is not None:
            raise self.error(ConflictError, 'a domain of this name exists already', subject)
        # Volumes of this name no domain uses were left by an interrupted create: made again (blank.py _orphans).
        orphans = self._orphans(pool, pool_name, [disk_volume_name(spec['name'], d['target']) for d in disks], subject) if pool is not None else []
        checked = {'template': template, 'template_xml': template_xml, 'disks': disks, 'pool': pool, 'pool_name': pool_name, 'orphans': orphans}
        # The boot order may name only devices the new VM will have: its NICs as predicted, the template's disks.
        kinds = {'cdrom' if disk['device'] == 'cdrom' else 'disk' for disk in template['disks']}
        check_boot_order(spec, self.predict_vm(spec, checked)['nics'], self.label, devices=sorted(kinds))
        return checked

    def _new_definition(self, name, spec, checked, domain_type=None):
        """The definition create_vm() defines for a VM called name from what preflight(spec) looked up (checked):
        the template's, cloned onto the new volumes, with spec's hardware written in."""
        sources = {disk['target']: (checked['pool_name'], disk_volume_name(name, disk['target'])) for disk in checked['disks']}
        root = clone_definition(checked['template_xml'], name, sources, domain_type)
        for pool_name, volume in sources.values():
            record_volume(root, pool_name, volume)
        # The hardware asked for goes into the one definition written: a new VM costs one define (the disks of
        # `disks` are grown and added after it, on the volumes).
        changes = self.diff_hardware(self._record(parse_domain(to_xml(root)), None), dict(spec, disks=None))
        self._apply_other(None, root, {k: v for k, v in changes.items() if k != 'start_on_boot'}, None)
        return apply_hardware(root, changes)

    def _clone_hardware(self, spec, checked, facts):
        """The disk, CPU and autostart fields of a clone's record before its `disks` are applied."""
        known = {(checked['pool_name'], disk_volume_name(spec['name'], d['target'])): d['capacity'] for d in checked['disks']}
        return self._hardware_fields(None, facts, known, autostart=bool(spec.get('start_on_boot')))

    def predict_vm(self, spec, checked):
        # The record of the very definition create_vm() would define, read back as get_vm() reads it; libvirt
        # assigns the UUID and the MACs of the NICs.
        if checked.get('blank'):
            return self._predict_blank(spec, checked)
        facts = parse_domain(to_xml(self._new_definition(spec.get('name'), spec, checked)))
        record = self._record(facts, (libvirt.VIR_DOMAIN_SHUTOFF, 0), None, self._clone_hardware(spec, checked, facts))
        record.update(id=None, uuid=None, nics=[dict(nic, mac=None) for nic in record['nics']])
        disks = self.diff_hardware(record, {'disks': spec.get('disks'), 'storage': spec.get('storage')})
        return self.predict_changes(record, disks) if disks else record

    def new_nic_name(self, taken):
        # A NIC is named by its place among the domain's interfaces (_parse_interface): net0, net1, ...
        return 'net{0}'.format(len(taken))

    def create_vm(self, name, spec, timeout):
        # Every step answers when it is done (a full copy included): there is no task to wait for.
        if not spec.get('template'):
            return self._create_blank(name, spec)
        spec = dict(spec, name=name)
        subject = spec_subject(spec)
        checked = self.preflight(spec)
        self._remove_orphans(checked['pool'], checked['orphans'], subject)
        root = ET.fromstring(checked['template_xml'])
        os_type = root.find('os/type')
        domain_type = self._domain_type(
            root.get('type'), os_type.get('arch') if os_type is not None else None, os_type.get('machine') if os_type is not None else None
        )
        linked = (spec.get('clone_mode') or 'full') == 'linked'
        made = []
        try:
            for disk in checked['disks']:
                volume_name = disk_volume_name(name, disk['target'])
                self._clone_volume(checked['pool'], disk, volume_name, linked, subject)
                made.append(volume_name)
            new_root = self._new_definition(name, spec, checked, domain_type)
            dom = self._write(lambda conn: conn.defineXML(to_xml(new_root)), subject)
        except Exception:
            # Nothing of a failed create stays behind, so a re-run starts from scratch.
            self._remove_volumes(checked['pool'], made)
            raise
        subject = describe_vm(name, dom.UUIDString())
        if spec.get('start_on_boot'):
            self._write(lambda _conn: dom.setAutostart(1), subject)
        vm = self.get_vm(vm_id=dom.UUIDString())
        if vm is None:
            raise self.error(TaskFailedError, 'the domain was defined but is not listed', subject)
        disks = self.diff_hardware(vm, {'disks': spec.get('disks'), 'storage': spec.get('storage')})
        return self.apply_changes(vm, disks, timeout) if disks else vm

    def _clone_volume(self, pool, disk, volume_name, linked, subject):
        if linked:
            # A qcow2 overlay: the template's volume is its read-only backing file, the new VM writes to the overlay.
            definition = volume_xml(volume_name, disk['capacity'], backing={'path': disk['path'], 'format': disk['format']})
            self._write(lambda _conn: pool.createXML(definition, 0), subject)
        else:
            definition = volume_xml(volume_name, disk['capacity'])
            self._write(lambda _conn: pool.createXMLFrom(definition, disk['volume'], 0), subject)

    def _remove_volumes(self, pool, names):
        for volume_name in names:
            try:
                self._write(lambda _conn, volume_name=volume_name: pool.storageVolLookupByName(volume_name).delete(0))
            except Exception:  # pylint: disable=broad-exception-caught
                self.warnings.append('{0}: volume {1} of a failed create could not be removed'.format(self.label, volume_name))

    def apply_changes(self, vm, changes, timeout):
        if not changes:
            return vm
        subject = vm_subject(vm)
        dom = self._lookup(vm_id=vm['id'])
        if dom is None:
            raise self.error(NotFoundError, 'the VM is gone', subject)
        text, facts = self._definition(dom, subject, secure=True)
        if 'cpu_type' in changes:
            self._check_cpu_model(changes['cpu_type']['after'], facts['arch'], subject)  # a read, before any write
        root = apply_hardware(ET.fromstring(text), changes)
        if 'disks' in changes:
            self._apply_disks(dom, vm, changes['disks'], root, subject)
        self._apply_other(dom, root, changes, subject)
        self._write(lambda conn: conn.defineXML(to_xml(root)), subject)
        return self.get_vm(vm_id=vm['id'])
