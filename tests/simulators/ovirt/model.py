"""State of the simulated oVirt engine: entities, seeding, search, and the rules the real engine enforces.

Every entity is kept as an ``ovirtsdk4.types`` object (so it is rendered by the SDK's own writers) plus the
few indexes the simulator needs (its cluster, status schedule, sub-collections).  All access goes through
``EngineState.lock``; the HTTP layer takes it around every request.
"""

import datetime
import fnmatch
import re
import threading
import time
import uuid

from ovirtsdk4 import Struct, types

from . import osinfo

API = '/ovirt-engine/api'
BLANK_TEMPLATE_ID = '00000000-0000-0000-0000-000000000000'
CDROM_ID = '00000000-0000-0000-0000-000000000000'
ROOT_TAG_ID = '00000000-0000-0000-0000-000000000000'
GIB = 1024**3
MIB = 1024**2

# Status names of a VM that count as "running" for the engine's validation rules.
RUNNING_STATES = frozenset(
    (
        'wait_for_launch',
        'powering_up',
        'up',
        'powering_down',
        'reboot_in_progress',
        'migrating',
        'saving_state',
        'restoring_state',
        'paused',
        'not_responding',
        'unknown',
    )
)

# Time spent in each transitional state (seconds); set through EngineState.set_delays().
DELAY_STATES = (
    'image_locked',
    'wait_for_launch',
    'powering_up',
    'powering_down',
    'reboot_in_progress',
    'saving_state',
    'restoring_state',
    'migrating',
    'disk_locked',
)

# Attributes of a VM or template that describe its configuration and are copied from a template to a
# new VM.  Everything else (status, host, references, sub-collections) is managed by the simulator.
CONFIG_FIELDS = (
    'bios',
    'console',
    'cpu',
    'cpu_shares',
    'custom_properties',
    'delete_protected',
    'display',
    'high_availability',
    'io',
    'memory',
    'memory_policy',
    'migration',
    'migration_downtime',
    'multi_queues_enabled',
    'os',
    'placement_policy',
    'rng_device',
    'soundcard_enabled',
    'sso',
    'start_paused',
    'stateless',
    'storage_error_resume_behaviour',
    'tpm_enabled',
    'type',
    'usb',
    'virtio_scsi',
    'time_zone',
    'virtio_scsi_multi_queues_enabled',
)

# Attributes a client may not set through POST/PUT on a VM: the engine computes them, or they are
# references resolved separately, or sub-collections with their own endpoints.
READ_ONLY_VM_FIELDS = frozenset(
    (
        'id',
        'href',
        'status',
        'status_detail',
        'stop_reason',
        'start_time',
        'stop_time',
        'creation_time',
        'host',
        'fqdn',
        'guest_operating_system',
        'guest_time_zone',
        'next_run_configuration_exists',
        'run_once',
        'has_illegal_images',
        'original_template',
        'template',
        'cluster',
        'instance_type',
        'cpu_profile',
        'quota',
        'storage_domain',
        'external_host_provider',
        'vm_pool',
        'large_icon',
        'small_icon',
        'lease',
        'initialization',
        'affinity_labels',
        'applications',
        'cdroms',
        'disk_attachments',
        'floppies',
        'graphics_consoles',
        'host_devices',
        'katello_errata',
        'mediated_devices',
        'nics',
        'numa_nodes',
        'permissions',
        'reported_devices',
        'sessions',
        'snapshots',
        'statistics',
        'tags',
        'watchdogs',
        'dynamic_cpu',
        'payloads',
        'origin',
    )
)

# The engine's ValidName rule: letters of any script, digits, '_', '-' and '.'.
# What the engine changes on a running VM at once; every other change waits for its next start.
LIVE_VM_FIELDS = frozenset(('name', 'description', 'comment'))

# One CPU type of each architecture, as the engine's ServerCPUList names them (packaging/dbscripts/upgrade/
# pre_upgrade/0000_config.sql, cluster level 4.7: '<level>:<name>:<flags>:<model>:<architecture>').
CLUSTER_CPU_TYPES = {'x86_64': 'Intel Nehalem Family', 'ppc64': 'IBM POWER9', 's390x': 'IBM z14'}
VM_NAME_RE = re.compile(r'^[\w.-]+$')
VM_NAME_MAX = 64
# VmBase.description: @Size(max = BusinessEntitiesDefinitions.VM_DESCRIPTION_SIZE) and @ValidDescription, whose
# pattern is ValidationUtils.ONLY_I18N_ASCII_OR_NONE, [\p{ASCII}\p{L}]* (ASCII or letters of any script).
VM_DESCRIPTION_MAX = 255
# ConfigValues.MaxNumOfCpuPerSocket (packaging/dbscripts 0000_config.sql: 254), checked by VmValidator.
MAX_CPU_PER_SOCKET = 254
# ArchitectureType.HOTPLUG_MEMORY_FACTOR_X86_MB: memory hot-plugged on an x86 VM grows in steps of 128 MiB
# (256 on ppc), checked by UpdateVmCommand.validate.
HOTPLUG_MEMORY_FACTOR_MB = 128
# The engine's lock conflicts carry the holder's message (EngineMessage, AppErrors.properties), most without
# the word "locked": hold_lock(vm, reason=...) picks one.
LOCK_MESSAGES = {
    'image': '[Cannot %s VM: VM is locked. Please try again in a few minutes.]',  # ACTION_TYPE_FAILED_VM_IS_LOCKED
    'object': '[Cannot %s VM. Related operation is currently in progress. Please try again later.]',  # _OBJECT_LOCKED
    'updating': '[Cannot %s VM. VM is being updated.]',  # _VM_IS_BEING_UPDATED
}


class SimError(Exception):
    """An error the engine answers with a fault (or, with detail None, with an empty body)."""

    def __init__(self, status, detail, reason='Operation Failed'):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.reason = reason


def not_found():
    """The engine's answer to an unknown id: 404 with no body."""
    return SimError(404, None, reason=None)


def conflict(action, message):
    """A validation failure of an engine command, worded like the engine's AppErrors."""
    return SimError(409, '[Cannot %s VM. %s]' % (action, message))


def locked(action, reason='image'):
    return SimError(409, LOCK_MESSAGES[reason] % action)


def _is_ascii_or_letters(text):
    """ValidationUtils.ONLY_I18N_ASCII_OR_NONE: every character ASCII or a letter (Java's \\p{L})."""
    return all(ord(char) < 128 or char.isalpha() for char in text)


def new_id():
    return str(uuid.uuid4())


def now_utc():
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


_EMPTY_ATTRIBUTES = {}


def blank(cls):
    """A new, empty SDK object of ``cls``: copies a prototype's attributes instead of running the
    SDK's constructor (which type-checks ~100 properties and dominates seeding thousands of VMs)."""
    attributes = _EMPTY_ATTRIBUTES.get(cls)
    if attributes is None:
        attributes = _EMPTY_ATTRIBUTES[cls] = cls().__dict__
    obj = cls.__new__(cls)
    obj.__dict__.update(attributes)
    return obj


def copy_struct(value):
    """A deep copy of an SDK object (or list of them); much faster than copy.deepcopy for these."""
    if isinstance(value, Struct):
        obj = value.__class__.__new__(value.__class__)
        obj.__dict__.update({key: copy_struct(item) if isinstance(item, (Struct, list)) else item for key, item in value.__dict__.items()})
        return obj
    if isinstance(value, list):
        return [copy_struct(item) for item in value]
    return value


def ref(cls, entity):
    """A reference (id + href) to an entity, as the engine embeds it in other entities."""
    obj = blank(cls)
    obj.__dict__['_id'] = entity.id
    obj.__dict__['_href'] = entity.href
    return obj


def merge_struct(target, source, skip=frozenset()):
    """Copy every attribute set in ``source`` onto ``target``; nested structs are merged, lists replaced."""
    for key, value in source.__dict__.items():
        name = key.lstrip('_')
        if value is None or name in skip or name in ('href', 'id'):
            continue
        current = target.__dict__.get(key)
        if isinstance(value, Struct) and current is not None and type(current) is type(value):
            merge_struct(current, value)
        else:
            target.__dict__[key] = copy_struct(value)


class Entity:
    """One object of the engine: its SDK representation plus a render cache."""

    kind = ''

    def __init__(self, entity_id, obj):
        self.id = entity_id
        self.obj = obj
        obj.id = entity_id
        self.href = '%s/%s/%s' % (API, self.kind, entity_id)
        obj.href = self.href
        self.cache = {}

    @property
    def name(self):
        return self.obj.name

    def touch(self):
        """Forget cached renderings after a change."""
        self.cache.clear()


class DataCenter(Entity):
    kind = 'datacenters'


class Cluster(Entity):
    kind = 'clusters'

    def __init__(self, entity_id, obj, datacenter):
        super().__init__(entity_id, obj)
        self.datacenter = datacenter


class Host(Entity):
    kind = 'hosts'

    def __init__(self, entity_id, obj, cluster):
        super().__init__(entity_id, obj)
        self.cluster = cluster

    @property
    def status(self):
        return self.obj.status.value


class StorageDomain(Entity):
    kind = 'storagedomains'

    def __init__(self, entity_id, obj, datacenter, capacity, base_used):
        super().__init__(entity_id, obj)
        self.datacenter = datacenter
        self.capacity = capacity
        self.base_used = base_used  # bytes used by things other than the simulator's disks


class Network(Entity):
    kind = 'networks'

    def __init__(self, entity_id, obj, datacenter):
        super().__init__(entity_id, obj)
        self.datacenter = datacenter


class VnicProfile(Entity):
    kind = 'vnicprofiles'

    def __init__(self, entity_id, obj, network):
        super().__init__(entity_id, obj)
        self.network = network


class Disk(Entity):
    kind = 'disks'

    def __init__(self, entity_id, obj, storage_domain):
        super().__init__(entity_id, obj)
        self.storage_domain = storage_domain
        self.unlock_at = None  # monotonic time its own lock (being made or extended) ends; disks.py
        # How it is attached to its VM or template (one owner: disks are not shared here): interface, bootable,
        # active, pass_discard.
        self.attachment = {'interface': 'virtio_scsi', 'bootable': False, 'active': True, 'pass_discard': False}


class Tag(Entity):
    kind = 'tags'


class Device:
    """An item of a VM or template sub-collection (NIC, watchdog, console...), kept as an SDK object."""

    def __init__(self, owner, rel, obj, item_id=None):
        self.id = item_id or new_id()
        self.obj = obj
        obj.id = self.id
        self.href = '%s/%s/%s' % (owner.href, rel, self.id)
        obj.href = self.href


class Template(Entity):
    kind = 'templates'

    def __init__(self, entity_id, obj, cluster):
        super().__init__(entity_id, obj)
        self.cluster = cluster
        self.nics = []  # Device(types.Nic)
        self.disks = []  # Disk entities, one attachment each
        self.devices = {}  # rel -> [Device]

    @property
    def datacenter(self):
        return self.cluster.datacenter if self.cluster else None

    @property
    def version_number(self):
        return self.obj.version.version_number


class Vm(Entity):
    kind = 'vms'

    def __init__(self, entity_id, obj, cluster, template, index):
        super().__init__(entity_id, obj)
        self.cluster = cluster
        self.template = template
        self.index = index
        self.host = None
        self.nics = []  # Device(types.Nic)
        self.disks = []  # Disk entities
        self.tags = []  # Tag entities
        self.devices = {}  # rel -> [Device]
        self.pending = []  # [(monotonic deadline, status)]
        self.next_run = None  # types.Vm: the configuration kept for the next start (changes made while running)
        # cloud-init: every `initialization` a client sent, as sent (passwords included, for tests to read), and the
        # one the guest was handed at the VM's first start (the engine's "initial run"); None before that.
        self.initializations_received = []
        self.root_password = None
        self.first_boot_initialization = None
        self.started_once = False
        # Which engine message a write meets while the VM is image_locked (LOCK_MESSAGES).
        self.lock_reason = 'image'
        # A guest without ACPI (and no agent) ignores a graceful shutdown; shutdowns the engine made hard stops.
        self.acpi = True
        self.forced_stops = 0

    @property
    def status(self):
        return self.obj.status.value

    @property
    def datacenter(self):
        return self.cluster.datacenter


def mac_text(number):
    """MAC address number ``number`` of the pool 56:6f:00:00:00:00 - 56:6f:ff:ff:ff:ff."""
    return '56:6f:' + ':'.join('%02x' % ((number >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def link_local(mac):
    """The IPv6 link-local address a guest derives from its MAC (EUI-64)."""
    octets = [int(part, 16) for part in mac.split(':')]
    octets[0] ^= 0x02
    eui = octets[:3] + [0xFF, 0xFE] + octets[3:]
    groups = ['%x' % (eui[i] << 8 | eui[i + 1]) for i in range(0, 8, 2)]
    return 'fe80::' + ':'.join(groups)


def guest_ipv4(index, nic_position):
    """A stable, unique guest address for NIC ``nic_position`` of the VM number ``index``."""
    return '10.%d.%d.%d' % ((nic_position * 32 + index // 62500) % 256, (index // 250) % 250, index % 250 + 2)


class Search:
    """The subset of the engine's search language the simulator understands.

    ``name=x``, ``name="x"``, ``name=vm*``, ``!=``, clauses joined by ``and``, an optional ``Vms:`` prefix and
    a trailing ``sortby <field> [asc|desc]``.  Unknown fields are rejected with a 400 fault, so a client using
    something the simulator does not model finds out instead of getting everything back.
    """

    _CLAUSE = re.compile(r'\s*([A-Za-z_][\w.]*)\s*(!=|=)\s*("[^"]*"|[^\s"]+)\s*')
    _AND = re.compile(r'and\s+', re.IGNORECASE)
    _SORT = re.compile(r'sortby\s+([\w.]+)(?:\s+(asc|desc))?\s*', re.IGNORECASE)
    _PAGE = re.compile(r'page\s+\d+\s*', re.IGNORECASE)
    _PREFIX = re.compile(r'^\s*[A-Za-z]+\s*:\s*')

    def __init__(self, text, fields, case_sensitive=True):
        self.fields = fields
        self.case_sensitive = case_sensitive
        self.clauses = []
        self.sort = None
        text = self._PREFIX.sub('', text or '').strip()
        pos = 0
        while pos < len(text):
            sort = self._SORT.match(text, pos)
            if sort:
                self.sort = (sort.group(1).lower(), (sort.group(2) or 'asc').lower() == 'desc')
                pos = sort.end()
                continue
            page = self._PAGE.match(text, pos)
            if page:
                pos = page.end()
                continue
            clause = self._CLAUSE.match(text, pos)
            if not clause:
                raise SimError(400, 'Search query is invalid or not supported by the simulator: %s' % text, reason='Invalid search query')
            field, operator, value = clause.group(1).lower(), clause.group(2), clause.group(3)
            if field not in fields:
                raise SimError(400, "Search field '%s' is not supported by the simulator" % field, reason='Invalid search query')
            if value.startswith('"'):
                value = value[1:-1]
            self.clauses.append((field, operator == '!=', self._pattern(field, value)))
            pos = clause.end()
            joiner = self._AND.match(text, pos)
            if joiner:
                pos = joiner.end()

    def _pattern(self, field, value):
        # Statuses and types are enums: the engine compares them without regard to case.
        flags = 0 if self.case_sensitive and field not in ('status', 'type') else re.IGNORECASE
        return re.compile(fnmatch.translate(value), flags)

    def matches(self, entity):
        for field, negate, pattern in self.clauses:
            values = self.fields[field](entity)
            if not isinstance(values, (list, tuple)):
                values = [values]
            found = any(value is not None and pattern.match(str(value)) for value in values)
            if found == negate:
                return False
        return True

    def apply(self, entities, limit=None):
        result = [entity for entity in entities if self.matches(entity)] if self.clauses else list(entities)
        if self.sort and self.sort[0] in self.fields:
            getter = self.fields[self.sort[0]]
            result.sort(key=lambda entity: str(getter(entity) or ''), reverse=self.sort[1])
        if limit is not None and limit >= 0:
            result = result[:limit]
        return result


def _dc_name(entity):
    datacenter = getattr(entity, 'datacenter', None)
    return datacenter.name if datacenter else None


VM_SEARCH_FIELDS = {
    'name': lambda vm: vm.name,
    'id': lambda vm: vm.id,
    'cluster': lambda vm: vm.cluster.name,
    'datacenter': _dc_name,
    # The search language's VM statuses are the engine's VMStatus names lower-cased without underscores
    # (imagelocked, poweringup, ...): VmConditionFieldAutoCompleter / SearchObjectAutoCompleter.
    'status': lambda vm: vm.status.replace('_', ''),
    'host': lambda vm: vm.host.name if vm.host else None,
    'template': lambda vm: vm.template.name if vm.template else None,
    'tag': lambda vm: [tag.name for tag in vm.tags],
    'description': lambda vm: vm.obj.description,
    'comment': lambda vm: vm.obj.comment,
    'os': lambda vm: vm.obj.os.type if vm.obj.os else None,
    'type': lambda vm: vm.obj.type.value if vm.obj.type else None,
}

TEMPLATE_SEARCH_FIELDS = {
    'name': lambda tpl: tpl.name,
    'id': lambda tpl: tpl.id,
    'cluster': lambda tpl: tpl.cluster.name if tpl.cluster else None,
    'status': lambda tpl: tpl.obj.status.value,
    'description': lambda tpl: tpl.obj.description,
    'comment': lambda tpl: tpl.obj.comment,
    # 'datacenter' and 'vm.name' are handled by EngineState.search_templates (they need the whole state).
    'datacenter': lambda tpl: None,
    'vm.name': lambda tpl: None,
}

NAMED_SEARCH_FIELDS = {
    'name': lambda entity: entity.name,
    'id': lambda entity: entity.id,
    'datacenter': _dc_name,
    'description': lambda entity: entity.obj.description,
    'status': lambda entity: entity.obj.status.value if getattr(entity.obj, 'status', None) else None,
}

HOST_SEARCH_FIELDS = dict(NAMED_SEARCH_FIELDS, cluster=lambda host: host.cluster.name, datacenter=lambda host: host.cluster.datacenter.name)

DISK_SEARCH_FIELDS = dict(NAMED_SEARCH_FIELDS, alias=lambda disk: disk.name)


class EngineState:
    """Everything the simulated engine knows; thread-safe through ``lock``."""

    def __init__(self):
        self.lock = threading.RLock()
        self.datacenters = {}
        self.clusters = {}
        self.hosts = {}
        self.storage_domains = {}
        self.networks = {}
        self.vnic_profiles = {}
        self.templates = {}
        self.vms = {}
        self.disks = {}
        self.tags = {}
        self.delays = dict.fromkeys(DELAY_STATES, 0.0)
        self.macs_in_use = set()
        self.locked_disks = set()  # Disk entities whose own lock has not been seen to end (disks.advance_disks)
        # (cluster id, network id) of every network attached to a cluster (the engine's network_cluster table).
        self.cluster_networks = set()
        self._next_mac = 1
        self._next_vm_index = 0
        root = types.Tag(name='root', description='root')
        self.root_tag = Tag(ROOT_TAG_ID, root)
        self.tags[ROOT_TAG_ID] = self.root_tag
        blank = types.Template(
            name='Blank',
            status=types.TemplateStatus.OK,
            creation_time=datetime.datetime(2008, 4, 1, tzinfo=datetime.UTC),
            version=types.TemplateVersion(version_number=1),
            **self._config(cpu_cores=1, memory_mb=1024, os_type='other', bios='cluster_default', description='Blank template'),
        )
        blank_tpl = Template(BLANK_TEMPLATE_ID, blank, None)
        blank.version.base_template = ref(types.Template, blank_tpl)
        self._template_devices(blank_tpl)
        self.templates[BLANK_TEMPLATE_ID] = blank_tpl

    # ---- configuration -------------------------------------------------------------------------

    def set_delays(self, seconds=None, **per_state):
        """Set how long VMs stay in transitional states: one value for all, and/or per state name."""
        with self.lock:
            if seconds is not None:
                for state in DELAY_STATES:
                    self.delays[state] = float(seconds)
            for state, value in per_state.items():
                if state not in self.delays:
                    raise ValueError('unknown transitional state %r; known: %s' % (state, ', '.join(DELAY_STATES)))
                self.delays[state] = float(value)

    # ---- lookups ------------------------------------------------------------------------------

    def collection(self, kind):
        """The dict of entities of a top-level collection (by URL path element), or None."""
        return {
            'datacenters': self.datacenters,
            'clusters': self.clusters,
            'hosts': self.hosts,
            'storagedomains': self.storage_domains,
            'networks': self.networks,
            'vnicprofiles': self.vnic_profiles,
            'templates': self.templates,
            'vms': self.vms,
            'disks': self.disks,
            'tags': self.tags,
        }.get(kind)

    @staticmethod
    def _by_name(entities, name, what):
        for entity in entities.values():
            if entity.name == name:
                return entity
        raise KeyError('%s %r not found' % (what, name))

    def datacenter(self, name):
        return self._by_name(self.datacenters, name, 'data center')

    def cluster(self, name):
        return self._by_name(self.clusters, name, 'cluster')

    def vm_by_name(self, name):
        return self._by_name(self.vms, name, 'VM')

    def template_versions(self, name, datacenter=None):
        """Templates called ``name`` visible in ``datacenter`` (Blank is visible everywhere), oldest first."""
        found = [tpl for tpl in self.templates.values() if tpl.name == name and (datacenter is None or tpl.datacenter in (None, datacenter))]
        return sorted(found, key=lambda tpl: tpl.version_number)

    # ---- defaults for new entities --------------------------------------------------------------

    @staticmethod
    def _bios_type(bios):
        return {'bios': types.BiosType.Q35_SEA_BIOS, 'uefi': types.BiosType.Q35_OVMF, 'secure_boot': types.BiosType.Q35_SECURE_BOOT}.get(
            bios
        ) or types.BiosType(bios)

    def _config(self, cpu_cores=2, memory_mb=2048, os_type='other_linux', bios='bios', description=None, cpu_sockets=1, cpu_threads=1):
        """Keyword arguments for a realistic types.Vm/types.Template configuration."""
        if not osinfo.known(os_type):
            # A seeded template must be what an engine could answer: an OS of its list (osinfo.py).
            raise KeyError("OS type %r is not one of the engine's (osinfo.py)" % os_type)
        memory = int(memory_mb) * MIB
        return dict(
            description=description,
            bios=types.Bios(type=self._bios_type(bios), boot_menu=types.BootMenu(enabled=False)),
            cpu=types.Cpu(
                architecture=types.Architecture.X86_64, topology=types.CpuTopology(cores=int(cpu_cores), sockets=int(cpu_sockets), threads=int(cpu_threads))
            ),
            cpu_shares=0,
            console=types.Console(enabled=False),
            delete_protected=False,
            display=types.Display(
                type=types.DisplayType.VNC,
                monitors=1,
                single_qxl_pci=False,
                smartcard_enabled=False,
                allow_override=False,
                copy_paste_enabled=True,
                file_transfer_enabled=True,
                disconnect_action='LOCK_SCREEN',
                keyboard_layout='en-us',
            ),
            high_availability=types.HighAvailability(enabled=False, priority=0),
            io=types.Io(threads=1),
            memory=memory,
            memory_policy=types.MemoryPolicy(guaranteed=memory, max=memory * 4, ballooning=True),
            migration=types.MigrationOptions(
                auto_converge=types.InheritableBoolean.INHERIT, compressed=types.InheritableBoolean.INHERIT, encrypted=types.InheritableBoolean.INHERIT
            ),
            migration_downtime=-1,
            multi_queues_enabled=True,
            os=types.OperatingSystem(type=os_type, boot=types.Boot(devices=[types.BootDevice.HD])),
            placement_policy=types.VmPlacementPolicy(affinity=types.VmAffinity.MIGRATABLE),
            soundcard_enabled=False,
            sso=types.Sso(methods=[types.Method(id=types.SsoMethod.GUEST_AGENT)]),
            start_paused=False,
            stateless=False,
            storage_error_resume_behaviour=types.VmStorageErrorResumeBehaviour.AUTO_RESUME,
            time_zone=types.TimeZone(name='Etc/GMT'),
            tpm_enabled=False,
            type=types.VmType.SERVER,
            usb=types.Usb(enabled=False),
            virtio_scsi=types.VirtioScsi(enabled=True),
            virtio_scsi_multi_queues_enabled=False,
        )

    def _new_mac(self):
        while True:
            mac = mac_text(self._next_mac)
            self._next_mac += 1
            if mac not in self.macs_in_use:
                self.macs_in_use.add(mac)
                return mac

    def _profile(self, name_or_network, datacenter):
        """A vNIC profile of ``datacenter`` by profile name (or by network name, as a fallback)."""
        for profile in self.vnic_profiles.values():
            if profile.network.datacenter is datacenter and profile.name == name_or_network:
                return profile
        for profile in self.vnic_profiles.values():
            if profile.network.datacenter is datacenter and profile.network.name == name_or_network:
                return profile
        raise KeyError('vNIC profile %r not found in data center %r' % (name_or_network, datacenter.name))

    def _nic_obj(self, owner_ref, name, profile, interface='virtio', mac=None):
        nic = types.Nic(
            name=name,
            interface=types.NicInterface(interface),
            linked=True,
            plugged=True,
            vnic_profile=ref(types.VnicProfile, profile) if profile else None,
            mac=types.Mac(address=mac) if mac else None,
        )
        if isinstance(owner_ref, types.Vm):
            nic.vm = owner_ref
        else:
            nic.template = owner_ref
        return nic

    def _template_devices(self, tpl):
        tpl.devices = {
            'cdroms': [Device(tpl, 'cdroms', types.Cdrom(template=ref(types.Template, tpl)), CDROM_ID)],
            'graphicsconsoles': [
                Device(tpl, 'graphicsconsoles', types.GraphicsConsole(protocol=types.GraphicsType.VNC, template=ref(types.Template, tpl)), '766e63')
            ],
            'watchdogs': [],
        }

    def _vm_devices(self, vm):
        vm_ref = ref(types.Vm, vm)
        snapshot = types.Snapshot(
            description='Active VM',
            snapshot_type=types.SnapshotType.ACTIVE,
            snapshot_status=types.SnapshotStatus.OK,
            date=vm.obj.creation_time,
            persist_memorystate=False,
            vm=vm_ref,
        )
        vm.devices = {
            'cdroms': [Device(vm, 'cdroms', types.Cdrom(vm=vm_ref), CDROM_ID)],
            'graphicsconsoles': [Device(vm, 'graphicsconsoles', types.GraphicsConsole(protocol=types.GraphicsType.VNC, vm=vm_ref), '766e63')],
            'snapshots': [Device(vm, 'snapshots', snapshot)],
        }

    # ---- seeding --------------------------------------------------------------------------------

    def add_datacenter(self, name, description=None):
        """A data center with its management network ``ovirtmgmt`` (and a vNIC profile of that name)."""
        with self.lock:
            obj = types.DataCenter(
                name=name,
                description=description,
                status=types.DataCenterStatus.UP,
                local=False,
                quota_mode=types.QuotaModeType.DISABLED,
                storage_format=types.StorageFormat.V5,
                version=types.Version(major=4, minor=7),
                supported_versions=[types.Version(major=4, minor=minor) for minor in (6, 7)],
            )
            datacenter = DataCenter(new_id(), obj)
            self.datacenters[datacenter.id] = datacenter
            self.add_network('ovirtmgmt', name, description='Management Network', management=True)
            return datacenter

    def add_cluster(self, name, datacenter, description=None, architecture='x86_64'):
        with self.lock:
            dc_entity = self.datacenter(datacenter)
            obj = types.Cluster(
                name=name,
                description=description,
                data_center=ref(types.DataCenter, dc_entity),
                # A cluster's CPU type decides its architecture (ServerCPUList of the engine's config: each CPU name
                # with its architecture); one of each architecture's names here.
                cpu=types.Cpu(architecture=types.Architecture(architecture), type=CLUSTER_CPU_TYPES[architecture]),
                version=types.Version(major=4, minor=7),
                # ClusterOperationCommandBase.setDefaultBiosType: Q35 with OVMF for an x86_64 cluster above level
                # 4.6, i440fx with SeaBIOS for the other architectures.
                bios_type=types.BiosType.Q35_OVMF if architecture == 'x86_64' else types.BiosType.I440FX_SEA_BIOS,
                memory_policy=types.MemoryPolicy(
                    over_commit=types.MemoryOverCommit(percent=100), transparent_huge_pages=types.TransparentHugePages(enabled=True)
                ),
                ballooning_enabled=True,
                ha_reservation=False,
                threads_as_cores=False,
                trusted_service=False,
                tunnel_migration=False,
                virt_service=True,
                gluster_service=False,
                firewall_type=types.FirewallType.FIREWALLD,
                switch_type=types.SwitchType.LEGACY,
                error_handling=types.ErrorHandling(on_error=types.MigrateOnError.MIGRATE),
            )
            cluster = Cluster(new_id(), obj, dc_entity)
            self.clusters[cluster.id] = cluster
            # The data center's networks are attached to a new cluster (ovirtmgmt always is).
            for network in self.networks.values():
                if network.datacenter is dc_entity:
                    self.cluster_networks.add((cluster.id, network.id))
            return cluster

    def detach_network(self, network, cluster):
        """Detach a network (by name) from a cluster: it stays in its data center, as on a real engine
        (DetachNetworkFromClusterCommand), and a VM of that cluster can no longer use its vNIC profiles."""
        with self.lock:
            cluster_entity = self.cluster(cluster)
            found = [n for n in self.networks.values() if n.name == network and n.datacenter is cluster_entity.datacenter]
            if not found:
                raise KeyError('network %r not found in data center %r' % (network, cluster_entity.datacenter.name))
            self.cluster_networks.discard((cluster_entity.id, found[0].id))

    def add_host(self, name, cluster, status='up', address=None):
        with self.lock:
            cluster_entity = self.cluster(cluster)
            obj = types.Host(
                name=name,
                address=address or '%s.sim.invalid' % name,
                status=types.HostStatus(status),
                cluster=ref(types.Cluster, cluster_entity),
                type=types.HostType.RHEL,
                port=54321,
                protocol=types.HostProtocol.STOMP,
                memory=64 * GIB,
                max_scheduling_memory=60 * GIB,
                cpu=types.Cpu(name='Intel(R) Xeon(R) Silver 4214', speed=2200.0, topology=types.CpuTopology(sockets=2, cores=12, threads=2)),
                os=types.OperatingSystem(type='RHEL', version=types.Version(full_version='9 - 4.el9')),
                version=types.Version(major=4, minor=50, full_version='vdsm-4.50.5.1-1.el9'),
                spm=types.Spm(priority=5, status=types.SpmStatus.NONE),
                external_status=types.ExternalStatus.OK,
                update_available=False,
                power_management=types.PowerManagement(enabled=False),
                summary=types.VmSummary(active=0, migrating=0, total=0),
            )
            host = Host(new_id(), obj, cluster_entity)
            self.hosts[host.id] = host
            return host

    def add_storage_domain(self, name, datacenter, size_gb=1024, used_gb=20):
        with self.lock:
            dc_entity = self.datacenter(datacenter)
            obj = types.StorageDomain(
                name=name,
                type=types.StorageDomainType.DATA,
                master=not any(sd.datacenter is dc_entity for sd in self.storage_domains.values()),
                storage=types.HostStorage(type=types.StorageType.NFS, address='nfs.sim.invalid', path='/exports/%s' % name),
                storage_format=types.StorageFormat.V5,
                external_status=types.ExternalStatus.OK,
                warning_low_space_indicator=10,
                critical_space_action_blocker=5,
                wipe_after_delete=False,
                discard_after_delete=False,
                supports_discard=False,
                backup=False,
                block_size=512,
                data_centers=[ref(types.DataCenter, dc_entity)],
            )
            domain = StorageDomain(new_id(), obj, dc_entity, int(size_gb) * GIB, int(used_gb) * GIB)
            self.storage_domains[domain.id] = domain
            return domain

    def add_network(self, name, datacenter, vlan=None, description=None, management=False, profile=True):
        """A logical network of a data center, with a vNIC profile of the same name."""
        with self.lock:
            dc_entity = self.datacenter(datacenter)
            usages = [types.NetworkUsage.VM] + ([types.NetworkUsage.MANAGEMENT] if management else [])
            obj = types.Network(
                name=name,
                description=description,
                data_center=ref(types.DataCenter, dc_entity),
                vlan=types.Vlan(id=int(vlan)) if vlan is not None else None,
                usages=usages,
                mtu=0,
                stp=False,
                required=True,
                display=False,
                status=types.NetworkStatus.OPERATIONAL,
            )
            network = Network(new_id(), obj, dc_entity)
            self.networks[network.id] = network
            # As `engine-setup` and the GUI's default: a new network is attached to every cluster of its DC.
            for cluster in self.clusters.values():
                if cluster.datacenter is dc_entity:
                    self.cluster_networks.add((cluster.id, network.id))
            if profile:
                self.add_vnic_profile(name, network)
            return network

    def add_vnic_profile(self, name, network):
        with self.lock:
            obj = types.VnicProfile(
                name=name,
                network=ref(types.Network, network),
                port_mirroring=False,
                pass_through=types.VnicPassThrough(mode=types.VnicPassThroughMode.DISABLED),
                migratable=False,
            )
            profile = VnicProfile(new_id(), obj, network)
            self.vnic_profiles[profile.id] = profile
            return profile

    def add_tag(self, name, description=None):
        with self.lock:
            for tag in self.tags.values():
                if tag.name == name:
                    return tag
            tag = Tag(new_id(), types.Tag(name=name, description=description, parent=ref(types.Tag, self.root_tag)))
            self.tags[tag.id] = tag
            return tag

    def default_storage(self, datacenter):
        for domain in self.storage_domains.values():
            if domain.datacenter is datacenter:
                return domain
        return self.add_storage_domain('%s-data' % datacenter.name, datacenter.name)

    def new_disk(self, name, size, storage_domain, locked_now=False):
        obj = types.Disk(
            name=name,
            alias=name,
            provisioned_size=size,
            actual_size=min(size, 2 * GIB),
            total_size=min(size, 2 * GIB),
            format=types.DiskFormat.COW,
            sparse=True,
            shareable=False,
            wipe_after_delete=False,
            propagate_errors=False,
            qcow_version=types.QcowVersion.QCOW2_V3,
            status=types.DiskStatus.LOCKED if locked_now else types.DiskStatus.OK,
            storage_type=types.DiskStorageType.IMAGE,
            content_type=types.DiskContentType.DATA,
            image_id=new_id(),
            storage_domains=[ref(types.StorageDomain, storage_domain)] if storage_domain else None,
            storage_domain=ref(types.StorageDomain, storage_domain) if storage_domain else None,
        )
        disk = Disk(new_id(), obj, storage_domain)
        self.disks[disk.id] = disk
        return disk

    def add_template(
        self, name, cluster_or_dc, version_name=None, cpu_cores=2, memory_mb=2048, nics=None, disk_gb=20, os_type='other_linux', bios='bios', description=None
    ):
        """A template in a cluster (or the first cluster of a data center).

        A second template of the same name in the same data center becomes its next version
        (``version.version_number`` 2, 3...; ``base_template`` points at the first).  ``nics`` is a list
        of vNIC profile (or network) names, or of dicts with ``name``, ``profile``, ``interface``;
        the default is one NIC on ``ovirtmgmt``.
        """
        with self.lock:
            cluster = self._cluster_or_first(cluster_or_dc)
            versions = self.template_versions(name, cluster.datacenter)
            versions = [tpl for tpl in versions if tpl.datacenter is cluster.datacenter]
            base = versions[0] if versions else None
            obj = types.Template(
                name=name,
                status=types.TemplateStatus.OK,
                creation_time=now_utc(),
                cluster=ref(types.Cluster, cluster),
                version=types.TemplateVersion(version_number=(versions[-1].version_number + 1) if versions else 1, version_name=version_name),
                **self._config(cpu_cores=cpu_cores, memory_mb=memory_mb, os_type=os_type, bios=bios, description=description),
            )
            tpl = Template(new_id(), obj, cluster)
            obj.version.base_template = ref(types.Template, base or tpl)
            self._template_devices(tpl)
            tpl_ref = ref(types.Template, tpl)
            for position, spec in enumerate(['ovirtmgmt'] if nics is None else nics):
                spec = {'profile': spec} if isinstance(spec, str) else dict(spec)
                profile = self._profile(spec.get('profile') or spec.get('network'), cluster.datacenter)
                nic = self._nic_obj(tpl_ref, spec.get('name', 'nic%d' % (position + 1)), profile, spec.get('interface', 'virtio'))
                tpl.nics.append(Device(tpl, 'nics', nic))
            if disk_gb:
                domain = self.default_storage(cluster.datacenter)
                disk = self.new_disk('%s_Disk1' % name, int(disk_gb) * GIB, domain)
                disk.attachment = dict(disk.attachment, bootable=True)
                tpl.disks.append(disk)
            self.templates[tpl.id] = tpl
            return tpl

    def _cluster_or_first(self, name):
        for cluster in self.clusters.values():
            if cluster.name == name:
                return cluster
        for cluster in self.clusters.values():
            if cluster.datacenter.name == name:
                return cluster
        raise KeyError('no cluster or data center called %r' % name)

    def add_vm(
        self,
        name,
        cluster,
        template=None,
        status='down',
        nics=None,
        cpu_cores=None,
        memory_mb=None,
        description=None,
        os_type=None,
        bios=None,
        tags=(),
        boot_devices=None,
    ):
        """A VM in ``cluster``, made from ``template`` (name, latest version; default Blank).

        ``status`` 'up' places it on a host of the cluster.  ``nics`` None copies the template's NICs;
        otherwise it is a list of profile names or dicts (``name``, ``profile``, ``interface``, ``mac``).
        """
        with self.lock:
            cluster_entity = self.cluster(cluster)
            if template is None:
                tpl = self.templates[BLANK_TEMPLATE_ID]
            else:
                versions = self.template_versions(template, cluster_entity.datacenter)
                if not versions:
                    raise KeyError('template %r not found in data center %r' % (template, cluster_entity.datacenter.name))
                tpl = versions[-1]
            body = blank(types.Vm)
            body.__dict__.update(_name=name, _description=description)
            if cpu_cores:
                body.cpu = types.Cpu(topology=types.CpuTopology(cores=int(cpu_cores)))
            if memory_mb:
                body.memory = int(memory_mb) * MIB
            if os_type and not osinfo.known(os_type):
                raise KeyError("OS type %r is not one of the engine's (osinfo.py)" % os_type)
            if os_type or boot_devices:
                body.os = types.OperatingSystem(
                    type=os_type, boot=types.Boot(devices=[types.BootDevice(dev) for dev in boot_devices]) if boot_devices else None
                )
            if bios:
                body.bios = types.Bios(type=self._bios_type(bios))
            vm = self._build_vm(body, cluster_entity, tpl, copy_nics=nics is None)
            for position, spec in enumerate(nics or []):
                spec = {'profile': spec} if isinstance(spec, str) else dict(spec)
                self.add_nic(
                    vm,
                    types.Nic(
                        name=spec.get('name', 'nic%d' % (position + 1)),
                        interface=types.NicInterface(spec.get('interface', 'virtio')),
                        vnic_profile=types.VnicProfile(id=self._profile(spec.get('profile') or spec.get('network'), cluster_entity.datacenter).id),
                        mac=types.Mac(address=spec['mac']) if spec.get('mac') else None,
                    ),
                )
            for tag_name in tags:
                vm.tags.append(self.add_tag(tag_name))
            if status != 'down':
                if status == 'up':
                    self._place(vm)
                self._set_status(vm, status)
            return vm

    def add_vms(self, count, clusters, template=None, prefix='vm', status='down', start=1, running_every=0):
        """Seed ``count`` VMs cheaply: ``prefix``NNNNN spread round-robin over ``clusters``.

        ``running_every`` N > 0 makes every Nth VM 'up' (the others get ``status``).
        """
        if isinstance(clusters, str):
            clusters = [clusters]
        width = max(5, len(str(start + count)))
        created = []
        with self.lock:
            for offset in range(count):
                number = start + offset
                vm_status = 'up' if running_every and number % running_every == 0 else status
                created.append(self.add_vm('%s%0*d' % (prefix, width, number), clusters[offset % len(clusters)], template=template, status=vm_status))
        return created

    def seed_default(self):
        """One data center and cluster ``Default``, two hosts, a data domain, networks, templates and VMs."""
        with self.lock:
            self.add_datacenter('Default', description='The default Data Center')
            self.add_cluster('Default', 'Default', description='The default server cluster')
            self.add_host('host1', 'Default')
            self.add_host('host2', 'Default')
            self.add_storage_domain('data', 'Default', size_gb=2048, used_gb=120)
            self.add_network('vlan100', 'Default', vlan=100, description='Lab VLAN 100')
            self.add_template(
                'rhel9-tpl',
                'Default',
                version_name='base',
                cpu_cores=2,
                memory_mb=2048,
                disk_gb=20,
                os_type='rhel_9x64',
                bios='uefi',
                description='RHEL 9 golden image',
            )
            self.add_template(
                'rhel9-tpl',
                'Default',
                version_name='v2',
                cpu_cores=2,
                memory_mb=4096,
                nics=['ovirtmgmt', 'vlan100'],
                disk_gb=30,
                os_type='rhel_9x64',
                bios='uefi',
                description='RHEL 9 golden image, second NIC',
            )
            self.add_template(
                'debian12-tpl', 'Default', cpu_cores=1, memory_mb=1024, disk_gb=10, os_type='debian_9', bios='bios', description='Debian 12 cloud image'
            )
            self.add_vm('web01', 'Default', template='rhel9-tpl', status='up', tags=['web'])
            self.add_vm('web02', 'Default', template='rhel9-tpl', status='down', tags=['web'])
            self.add_vm('db01', 'Default', template='debian12-tpl', status='up', description='database')

    def load_seed(self, data):
        """Seed from a dict (e.g. a JSON file): optional ``"default": true`` first, then lists of keyword
        arguments for ``datacenters``, ``clusters``, ``hosts``, ``storage_domains``, ``networks``,
        ``templates``, ``vms`` and ``bulk_vms`` (passed to the add_* method of the same name)."""
        if data.get('default'):
            self.seed_default()
        sections = (
            ('datacenters', self.add_datacenter),
            ('clusters', self.add_cluster),
            ('hosts', self.add_host),
            ('storage_domains', self.add_storage_domain),
            ('networks', self.add_network),
            ('tags', self.add_tag),
            ('templates', self.add_template),
            ('vms', self.add_vm),
            ('bulk_vms', self.add_vms),
        )
        for key, method in sections:
            for kwargs in data.get(key, ()):
                method(**kwargs)

    # ---- VM life cycle --------------------------------------------------------------------------

    def _build_vm(self, body, cluster, tpl, copy_nics=True, clone=False, lock_for=0.0, disk_domains=None):
        """Create the VM entity from ``tpl`` overlaid with the client's ``body``.

        ``disk_domains``: {template disk id: storage domain} for the copies the client placed explicitly.
        """
        obj = blank(types.Vm)
        obj.__dict__.update(
            _creation_time=now_utc(),
            _origin='ovirt',
            _next_run_configuration_exists=False,
            _run_once=False,
            _has_illegal_images=False,
            _use_latest_template_version=False,
            _status=types.VmStatus.DOWN,
        )
        for field in CONFIG_FIELDS:
            obj.__dict__['_' + field] = copy_struct(tpl.obj.__dict__['_' + field])
        merge_struct(obj, body, skip=READ_ONLY_VM_FIELDS)
        self._keep_cpu_mode(obj)
        self._apply_memory_defaults(obj, body)
        self._next_vm_index += 1
        vm = Vm(new_id(), obj, cluster, tpl, self._next_vm_index)
        obj.cluster = ref(types.Cluster, cluster)
        obj.template = ref(types.Template, tpl)
        obj.original_template = ref(types.Template, tpl)
        obj.cpu_profile = None
        self._vm_devices(vm)
        vm_ref = ref(types.Vm, vm)
        if copy_nics:
            for nic in tpl.nics:
                new = copy_struct(nic.obj)
                new.template = None
                new.vm = vm_ref
                new.mac = types.Mac(address=self._new_mac())
                # AddVmCommand.addVmNetwork -> updateProfileOnNic: a NIC whose network the VM's cluster does not have
                # attached is made without a profile (no network), without a fault.
                profile = self.vnic_profiles.get(nic.obj.vnic_profile.id) if nic.obj.vnic_profile is not None else None
                if profile is not None and (cluster.id, profile.network.id) not in self.cluster_networks:
                    new.vnic_profile = None
                vm.nics.append(Device(vm, 'nics', new))
        domain = self.default_storage(cluster.datacenter)
        for tpl_disk in tpl.disks:
            target = (disk_domains or {}).get(tpl_disk.id) or tpl_disk.storage_domain or domain
            # AddVmCommand: a copy of a template's disk keeps the template disk's alias (newImage.setDiskAlias(
            # image.getDiskAlias()), so VMs of one template have disks of the same name.
            disk = self.new_disk(tpl_disk.obj.alias or tpl_disk.name, tpl_disk.obj.provisioned_size, target, locked_now=lock_for > 0)
            if not clone:
                disk.obj.actual_size = disk.obj.total_size = 200 * MIB
            disk.attachment = dict(tpl_disk.attachment)
            vm.disks.append(disk)
        self.vms[vm.id] = vm
        self._take_initialization(vm, body)
        return vm

    @staticmethod
    def _take_initialization(vm, body):
        """A client's `initialization` replaces the VM's, as on the engine; the root password is kept aside, since
        the engine never answers it, and recorded with the rest of what arrived."""
        if body is None or body.initialization is None:
            return
        vm.initializations_received.append(copy_struct(body.initialization))
        stored = copy_struct(body.initialization)
        vm.root_password = stored.root_password or vm.root_password
        stored.root_password = None
        vm.obj.initialization = stored
        vm.touch()

    @staticmethod
    def _apply_memory_defaults(obj, body):
        # Like the engine: memory given without a policy gets guaranteed = memory and max = 4 x memory.
        if body.memory is None:
            return
        policy = body.memory_policy
        if policy is None or policy.max is None:
            obj.memory_policy.max = obj.memory * 4
        if policy is None or policy.guaranteed is None:
            obj.memory_policy.guaranteed = obj.memory

    @staticmethod
    def _check_name(name, action):
        if not name or not VM_NAME_RE.match(name):
            # Bean validation of VmStatic: the engine appends the attribute it refused.
            raise SimError(
                400,
                '[Can not %s VM. The given name contains special characters. Only lower-case and '
                "upper-case letters, numbers, '_', '-', '.' are allowed., Attribute: vmStatic.name]" % action,
            )
        if len(name) > VM_NAME_MAX:
            raise SimError(400, '[Cannot %s VM. The given name is too long.]' % action)

    def _name_taken(self, name, datacenter, except_vm=None):
        return any(vm.name == name and vm.datacenter is datacenter and vm is not except_vm for vm in self.vms.values())

    def _resolve_cluster(self, cluster_ref):
        if cluster_ref.id:
            cluster = self.clusters.get(cluster_ref.id)
            if cluster is None:
                raise SimError(404, 'Entity not found: GetClusterById')
            return cluster
        for cluster in self.clusters.values():
            if cluster.name == cluster_ref.name:
                return cluster
        raise SimError(404, 'Entity not found: Cluster: name=%s' % cluster_ref.name)

    def _resolve_template(self, template_ref, datacenter):
        if template_ref.id:
            tpl = self.templates.get(template_ref.id)
        else:
            versions = self.template_versions(template_ref.name, datacenter)
            # Like the engine's GetVmTemplateByVmtName: the highest version number wins.
            tpl = versions[-1] if versions else None
        if tpl is None:
            raise SimError(404, 'Entity not found: GetVmTemplate')
        return tpl

    def create_vm(self, body, clone=False):
        """POST /vms: validate like the engine, then create the VM image_locked (then down)."""
        if body.cluster is None or not (body.cluster.id or body.cluster.name):
            raise SimError(400, 'Vm [cluster.id|name] required for add', reason='Incomplete parameters')
        if body.name is None:
            raise SimError(400, 'Vm [name] required for add', reason='Incomplete parameters')
        if body.template is None or not (body.template.id or body.template.name):
            raise SimError(400, 'Vm [template.id|name] required for add', reason='Incomplete parameters')
        cluster = self._resolve_cluster(body.cluster)
        tpl = self._resolve_template(body.template, cluster.datacenter)
        self._check_name(body.name, 'add')
        if tpl.datacenter not in (None, cluster.datacenter):
            raise SimError(409, "[Cannot add VM. The selected template does not exist in the VM's data center.]")
        if self._name_taken(body.name, cluster.datacenter):
            raise SimError(409, '[Cannot add VM. The VM name is already in use, please choose a unique name and try again.]')
        self._check_memory(body, 'add')
        self._check_vm_fields(body, 'add')
        self._take_os_type(body, cluster, 'add')
        disk_domains = self._disk_domains(body, cluster, tpl, clone)
        delay = self.delays['image_locked']
        vm = self._build_vm(body, cluster, tpl, clone=clone, lock_for=delay, disk_domains=disk_domains)
        self._schedule(vm, [('image_locked', delay), ('down', 0)])
        return vm

    def _disk_domains(self, body, cluster, tpl, clone):
        """Where the client asked for the copies of the template's disks (``disk_attachments`` of the new VM)."""
        placed = {}
        for attachment in body.disk_attachments or ():
            disk = attachment.disk
            if disk is None or not disk.storage_domains:
                continue
            if disk.id not in [tpl_disk.id for tpl_disk in tpl.disks]:
                raise SimError(404, 'Entity not found: Disk: id=%s' % disk.id)
            wanted = disk.storage_domains[0]
            domain = next((sd for sd in self.storage_domains.values() if sd.id == wanted.id or (wanted.name and sd.name == wanted.name)), None)
            if domain is None:
                raise SimError(404, 'Entity not found: Storage Domain: %s' % (wanted.id or wanted.name))
            if domain.datacenter is not cluster.datacenter:
                raise SimError(409, "[Cannot add VM. Storage Domain doesn't exist.]")
            tpl_disk = next(tpl_disk for tpl_disk in tpl.disks if tpl_disk.id == disk.id)
            if not clone and domain is not tpl_disk.storage_domain:
                # A thin copy is a layer over the template's image, so it lives where that image does.
                raise SimError(409, "[Cannot add VM. The selected Template doesn't exist on the destination Storage Domain.]")
            placed[disk.id] = domain
        return placed

    @staticmethod
    def _check_vm_fields(body, action):
        """The bean validation of VmBase (400) and VmValidator's CPU topology check (409) on add and update."""
        if body.description is not None:
            if len(body.description) > VM_DESCRIPTION_MAX:
                # javax.validation @Size's message, as the engine's REST layer reports a bean violation.
                raise SimError(400, '[Cannot %s VM. size must be between 0 and %d]' % (action, VM_DESCRIPTION_MAX))
            if not _is_ascii_or_letters(body.description):
                raise SimError(
                    400,
                    '[Cannot %s VM. The given description contains special characters.\nOnly '
                    'alpha-numeric and some special characters that conform to the standard ASCII '
                    'character set are allowed.]' % action,
                )
        topology = body.cpu.topology if body.cpu is not None else None
        if topology is not None and topology.cores is not None and int(topology.cores) * int(topology.threads or 1) > MAX_CPU_PER_SOCKET:
            raise conflict(action, 'Maximum number of CPUs per socket exceeded.')

    @staticmethod
    def _take_os_type(body, cluster, action):
        """The OS name of an add or update as the engine takes it (osinfo.py): a name it does not know becomes
        ``other`` without a fault (VmMapper.mapOsType -> OsRepositoryImpl.getOsIdByUniqueName answers id 0), a
        3.x name its OS's unique name; then an OS of another architecture than the cluster's is refused (409,
        AddVmCommand/UpdateVmCommand.validate -> VmHandler.isOsTypeSupported). The body is changed in place."""
        if body.os is None or body.os.type is None:
            return
        body.os.type = osinfo.stored_name(body.os.type)
        cluster_arch = cluster.obj.cpu.architecture.value if cluster.obj.cpu is not None and cluster.obj.cpu.architecture is not None else None
        if cluster_arch is not None and osinfo.architecture(body.os.type) != cluster_arch:
            raise conflict(action, 'Selected operating system is not supported by the architecture.')

    @staticmethod
    def _check_memory(body, action):
        policy = body.memory_policy
        if body.memory and policy is not None and policy.guaranteed and policy.guaranteed > body.memory:
            raise SimError(409, '[Cannot %s VM. Physical Memory Guaranteed cannot exceed Memory Size.]' % action)

    def update_vm(self, vm, body, next_run=False):
        """PUT /vms/{id}: merge the writable attributes of ``body``.

        Like the engine, a running VM takes at once only what can change live (name, description, comment);
        the rest (or everything, with ``next_run``) is kept as its next-run configuration, applied when it stops.
        """
        self.advance(vm)
        if vm.status == 'image_locked':
            raise locked('edit', vm.lock_reason)
        if body.name is not None and body.name != vm.name:
            self._check_name(body.name, 'edit')
            if self._name_taken(body.name, vm.datacenter, except_vm=vm):
                raise SimError(409, '[Cannot edit VM. The VM name is already in use, please choose a unique name and try again.]')
        self._check_memory(body, 'edit')
        self._check_vm_fields(body, 'edit')
        moved = body.cluster is not None and (body.cluster.id or body.cluster.name)
        self._take_os_type(body, self._resolve_cluster(body.cluster) if moved else vm.cluster, 'edit')
        hot_memory = self._memory_hot_plug(vm, body, next_run)
        self._take_initialization(vm, body)
        if body.cluster is not None and (body.cluster.id or body.cluster.name):
            cluster = self._resolve_cluster(body.cluster)
            if cluster is not vm.cluster:
                if cluster.datacenter is not vm.datacenter:
                    raise conflict('edit', 'Changing the data center of a VM is not supported.')
                vm.cluster = cluster
                vm.obj.cluster = ref(types.Cluster, cluster)
        cold = [key.lstrip('_') for key, value in body.__dict__.items() if value is not None and key.lstrip('_') not in READ_ONLY_VM_FIELDS | LIVE_VM_FIELDS]
        if vm.status in RUNNING_STATES and (cold or next_run):
            target = vm.next_run if vm.next_run is not None else copy_struct(vm.obj)
            self._merge_config(target, body)
            vm.next_run = target
            vm.obj.next_run_configuration_exists = True
            live = blank(types.Vm)
            live.__dict__.update((key, value) for key, value in body.__dict__.items() if key.lstrip('_') in LIVE_VM_FIELDS and not next_run)
            self._merge_config(vm.obj, live)
            if hot_memory is not None:
                # Hot-plugged: the VM has the memory now, and the next-run configuration says the same.
                vm.obj.memory = target.memory = hot_memory
        else:
            self._merge_config(vm.obj, body)
        vm.touch()
        return vm

    @staticmethod
    def _memory_hot_plug(vm, body, next_run):
        """UpdateVmCommand: a PUT without next_run on an Up VM that raises the memory hot-plugs the increase now
        (updateCurrentMemory/hotPlugMemory); the increase must be a multiple of the architecture's factor (400,
        ACTION_TYPE_FAILED_HOT_PLUGGED_MEMORY_MUST_BE_DIVIDABLE_BY). Returns the new memory in bytes when it is
        hot-plugged, else None (a decrease, or next_run, waits for the next start)."""
        if next_run or vm.status != 'up' or body.memory is None or vm.obj.memory is None:
            return None
        added_mb = (int(body.memory) - int(vm.obj.memory)) // MIB
        if added_mb <= 0:
            return None
        if added_mb % HOTPLUG_MEMORY_FACTOR_MB:
            raise SimError(400, '[Cannot edit VM. Amount of added memory (%dMiB) is not dividable by %dMiB.]' % (added_mb, HOTPLUG_MEMORY_FACTOR_MB))
        return int(body.memory)

    @staticmethod
    def _keep_cpu_mode(obj):
        """The engine keeps only a flag, use_host_cpu_flags (VmBaseMapper: set from cpu.mode == host_passthrough, and
        cpu.mode written back as host_passthrough only when it is set): any other mode reads back as none."""
        if obj.cpu is not None and obj.cpu.mode is not None and obj.cpu.mode != types.CpuMode.HOST_PASSTHROUGH:
            obj.cpu.mode = None

    @staticmethod
    def _merge_config(obj, body):
        merge_struct(obj, body, skip=READ_ONLY_VM_FIELDS)
        EngineState._keep_cpu_mode(obj)
        if body.memory is not None and body.memory_policy is None and obj.memory_policy.max < obj.memory:
            obj.memory_policy.max = obj.memory

    def _apply_next_run(self, vm):
        """The configuration kept for the next start becomes the VM's own (it stopped, or rebooted cold)."""
        if vm.next_run is None:
            return
        vm.obj = self.next_run_view(vm)
        vm.obj.next_run_configuration_exists = False
        vm.next_run = None
        vm.touch()

    def next_run_view(self, vm):
        """The VM as it will be at its next start (GET ?next_run=true), or the VM itself when nothing waits."""
        if vm.next_run is None:
            return vm.obj
        view = copy_struct(vm.obj)
        for key in vm.next_run.__dict__:
            if key.lstrip('_') not in READ_ONLY_VM_FIELDS:
                view.__dict__[key] = copy_struct(vm.next_run.__dict__[key])
        return view

    def remove_vm(self, vm, detach_only=False):
        self.advance(vm)
        if vm.status == 'image_locked':
            raise locked('remove', vm.lock_reason)
        # RemoveVmCommand: a suspended VM (its memory saved on disk) counts as running.
        if vm.status != 'down':
            raise conflict('remove', 'VM is running.')
        # disks.py imports this module, so it is imported here, when used.
        from .disks import check_disks_unlocked  # pylint: disable=import-outside-toplevel

        check_disks_unlocked(vm, 'remove VM')
        if vm.obj.delete_protected:
            raise conflict('remove', 'Delete protection is enabled. In order to delete, disable Delete protection first.')
        for nic in vm.nics:
            self.macs_in_use.discard(nic.obj.mac.address if nic.obj.mac else None)
        if not detach_only:
            for disk in vm.disks:
                self.disks.pop(disk.id, None)
        del self.vms[vm.id]

    def remove_all_vms(self):
        """Forget every VM (and its disks and MACs): a scene with infrastructure and templates only."""
        with self.lock:
            for vm in list(self.vms.values()):
                for nic in vm.nics:
                    self.macs_in_use.discard(nic.obj.mac.address if nic.obj.mac else None)
                for disk in vm.disks:
                    self.disks.pop(disk.id, None)
            self.vms.clear()

    def set_template_boot(self, name, devices):
        with self.lock:
            versions = self.template_versions(name)
            if not versions:
                raise KeyError('template %r not found' % name)
            for tpl in versions:
                tpl.obj.os.boot = types.Boot(devices=[types.BootDevice(device) for device in devices])
                tpl.touch()

    def hold_lock(self, vm, reason='image'):
        """Keep a VM image_locked until release_lock(), as a long disk operation (snapshot, move) does. reason
        picks the engine message a write meets meanwhile (LOCK_MESSAGES): 'image' says "VM is locked", 'object'
        ("Related operation is currently in progress") and 'updating' ("VM is being updated") do not."""
        with self.lock:
            self.advance(vm)
            if vm.status != 'down':
                raise ValueError('only a VM that is down can be held locked, %s is %s' % (vm.name, vm.status))
            if reason not in LOCK_MESSAGES:
                raise ValueError('unknown lock reason %r; known: %s' % (reason, ', '.join(LOCK_MESSAGES)))
            vm.pending = []
            vm.lock_reason = reason
            self._set_status(vm, 'image_locked')

    def release_lock(self, vm):
        with self.lock:
            vm.pending = []
            vm.lock_reason = 'image'
            self._set_status(vm, 'down')

    # ---- status and timed transitions -----------------------------------------------------------

    def _place(self, vm):
        """Pick an 'up' host of the VM's cluster (round-robin by VM number)."""
        hosts = [host for host in self.hosts.values() if host.cluster is vm.cluster and host.status == 'up']
        if not hosts:
            raise conflict('run', 'There are no available running Hosts in the Host Cluster.')
        hosts.sort(key=lambda host: host.name)
        vm.host = hosts[vm.index % len(hosts)]

    def _set_status(self, vm, status):
        obj = vm.obj
        was_running = obj.status is not None and obj.status.value in RUNNING_STATES
        obj.status = types.VmStatus(status)
        if status in RUNNING_STATES:
            if vm.host is None:
                self._place(vm)
            obj.host = ref(types.Host, vm.host)
            if status == 'up' and obj.start_time is None:
                obj.start_time = now_utc()
                obj.stop_time = None
        else:
            vm.host = None
            obj.host = None
            if status == 'down' and was_running:
                obj.start_time = None
                obj.stop_time = now_utc()
                obj.stop_reason = None
                self._apply_next_run(vm)
        disk_status = types.DiskStatus.LOCKED if status == 'image_locked' else types.DiskStatus.OK
        for disk in vm.disks:
            if disk.unlock_at is None:  # a disk being made or extended stays locked until that ends
                disk.obj.status = disk_status
        vm.touch()

    def _schedule(self, vm, steps):
        """Replace the VM's pending transitions: each (status, seconds) step is entered in turn."""
        deadline = time.monotonic()
        vm.pending = []
        for status, seconds in steps:
            vm.pending.append((deadline, status))
            deadline += seconds
        self.advance(vm)

    def advance(self, vm, now=None):
        """Apply the transitions of ``vm`` that are due (called before every read of a VM)."""
        if not vm.pending:
            return
        now = time.monotonic() if now is None else now
        while vm.pending and vm.pending[0][0] <= now:
            status = vm.pending.pop(0)[1]
            if status != vm.status or status == 'up':
                self._set_status(vm, status)

    def advance_all(self):
        now = time.monotonic()
        for vm in self.vms.values():
            if vm.pending:
                self.advance(vm, now)

    def vm_action(self, vm, action, body):
        """POST /vms/{id}/{action}: the power actions, with the engine's validation messages."""
        self.advance(vm)
        status = vm.status
        delays = self.delays
        # The engine's own names for the actions, as they appear in its messages.
        verb = {'start': 'run', 'suspend': 'hibernate'}.get(action, action)
        if status == 'image_locked':
            raise locked(verb, vm.lock_reason)
        if action == 'start':
            if status in RUNNING_STATES:
                raise conflict(verb, 'VM is running.')
            from .disks import check_disks_unlocked  # pylint: disable=import-outside-toplevel

            check_disks_unlocked(vm, 'run VM')
            self._check_bootable(vm)
            if status == 'suspended':
                self._schedule(vm, [('restoring_state', delays['restoring_state']), ('up', 0)])
            else:
                if not vm.started_once:
                    # The engine's initial run: the guest gets the VM's initialization this once.
                    vm.started_once = True
                    if vm.obj.initialization is not None:
                        vm.first_boot_initialization = copy_struct(vm.obj.initialization)
                        vm.first_boot_initialization.root_password = vm.root_password
                self._place(vm)
                self._schedule(vm, [('wait_for_launch', delays['wait_for_launch']), ('powering_up', delays['powering_up']), ('up', 0)])
        elif action == 'stop':
            if status not in RUNNING_STATES and status != 'suspended':
                raise conflict(verb, 'VM is not running.')
            # A running VM is destroyed on its host, and the engine then shows it powering_down until the host's
            # monitoring reports it down (DestroyVmVDSCommand.changeStatus: VMStatus.PoweringDown); a suspended one
            # runs on no host and is down at once.
            self._schedule(vm, [('powering_down', delays['powering_down']), ('down', 0)] if status != 'suspended' else [('down', 0)])
        elif action == 'shutdown':
            # ShutdownVmCommand: a suspended VM is shut down too (its saved state is dropped); a VM that is not Up
            # (starting, migrating, ...) or has neither ACPI nor a guest agent is stopped at once instead, silently
            # (the command falls back to StopVm); only an Up VM powers down gracefully.
            if status not in RUNNING_STATES and status != 'suspended':
                raise conflict(verb, 'VM is not running.')
            if status == 'up' and vm.acpi:
                self._schedule(vm, [('powering_down', delays['powering_down']), ('down', 0)])
            else:
                vm.forced_stops += 1
                self._schedule(vm, [('down', 0)])
        elif action == 'reboot':
            if status != 'up':
                raise conflict(verb, 'VM is not up.')
            # With a next-run configuration the engine reboots cold, so the VM starts with it.
            self._apply_next_run(vm)
            self._schedule(vm, [('reboot_in_progress', delays['reboot_in_progress']), ('up', 0)])
        elif action == 'reset':
            if status != 'up':
                raise conflict(verb, 'VM is not up.')
        elif action == 'suspend':
            if status != 'up':
                raise conflict(verb, 'VM is not up.')
            self._schedule(vm, [('saving_state', delays['saving_state']), ('suspended', 0)])
        elif action == 'migrate':
            if status != 'up':
                raise conflict(verb, 'VM is not running.')
            self._migrate(vm, body)
        else:
            raise SimError(404, "Action '%s' is not supported by the simulator" % action, reason='Not Found')

    def _check_bootable(self, vm):
        """RunVmValidator: a VM whose boot devices are hard disks only must have a disk (409,
        VM_CANNOT_RUN_FROM_DISK_WITHOUT_DISK)."""
        view = self.next_run_view(vm)
        boot = view.os.boot if view.os is not None else None
        devices = [d.value if hasattr(d, 'value') else str(d) for d in ((boot.devices or []) if boot else [])]
        if devices and set(devices) <= {'hd'} and not vm.disks:
            raise SimError(
                409,
                '[Cannot run VM without at least one bootable disk.\nAlternatives:\n- Create a disk '
                'for this VM, and rerun the VM.\n- Change the boot sequence using the Edit VM '
                "command (Boot Option Sub-Tab).\n- Use the 'Run Once' command to select a different "
                'boot option and rerun the VM.]',
            )

    def _migrate(self, vm, body):
        target = None
        if body is not None and body.host is not None and (body.host.id or body.host.name):
            target = next((host for host in self.hosts.values() if host.id == body.host.id or host.name == body.host.name), None)
            if target is None:
                raise SimError(404, 'Entity not found: Host: name=%s' % (body.host.name or body.host.id))
        else:
            others = [host for host in self.hosts.values() if host.cluster is vm.cluster and host.status == 'up' and host is not vm.host]
            target = sorted(others, key=lambda host: host.name)[0] if others else None
        if target is None or target is vm.host:
            raise conflict('migrate', 'There are no available running Hosts in the Host Cluster.')
        vm.host = target
        self._schedule(vm, [('migrating', self.delays['migrating']), ('up', 0)])

    # ---- NICs -------------------------------------------------------------------------------------

    def _nic_profile(self, vm, nic):
        if nic.vnic_profile is None or not (nic.vnic_profile.id or nic.vnic_profile.name):
            return None
        profile = (
            self.vnic_profiles.get(nic.vnic_profile.id)
            if nic.vnic_profile.id
            else next((p for p in self.vnic_profiles.values() if p.name == nic.vnic_profile.name and p.network.datacenter is vm.datacenter), None)
        )
        if profile is None:
            raise SimError(404, 'Entity not found: %s' % (nic.vnic_profile.id or nic.vnic_profile.name))
        if profile.network.datacenter is not vm.datacenter:
            raise SimError(409, "[Cannot add Interface. The network is not a part of the VM's cluster.]")
        # VmNicValidator.networkExistsInCluster: the profile's network must be attached to the VM's cluster, not
        # only be in its data center (NETWORK_NOT_EXISTS_IN_CURRENT_CLUSTER, a conflict).
        if (vm.cluster.id, profile.network.id) not in self.cluster_networks:
            raise SimError(409, "[The specified Logical Network doesn't exist in the current Cluster.]")
        return profile

    def _claim_mac(self, mac, nic=None):
        mac = mac.lower()
        if not re.match(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$', mac) or int(mac[:2], 16) & 1:
            raise SimError(400, '[The specified MAC Address cannot be set.\n-Please check MAC Address validity.]')
        current = nic.obj.mac.address if nic is not None and nic.obj.mac else None
        if mac != current:
            if mac in self.macs_in_use:
                raise SimError(409, '[MAC Address is already in use.]')
            self.macs_in_use.add(mac)
            self.macs_in_use.discard(current)
        return mac

    def add_nic(self, vm, body):
        self.advance(vm)
        if vm.status == 'image_locked':
            raise SimError(409, '[Cannot add Interface: VM is locked. Please try again in a few minutes.]')
        if not body.name:
            raise SimError(400, 'Nic [name] required for add', reason='Incomplete parameters')
        if any(nic.obj.name == body.name for nic in vm.nics):
            raise SimError(409, '[Cannot add Interface. The VM Network Interface name is already in use, please choose a unique name and try again.]')
        profile = self._nic_profile(vm, body)
        mac = self._claim_mac(body.mac.address) if body.mac and body.mac.address else self._new_mac()
        nic = self._nic_obj(ref(types.Vm, vm), body.name, profile, body.interface.value if body.interface else 'virtio', mac)
        if body.linked is not None:
            nic.linked = body.linked
        if body.plugged is not None:
            nic.plugged = body.plugged
        device = Device(vm, 'nics', nic)
        vm.nics.append(device)
        vm.touch()
        return device

    def update_nic(self, vm, nic, body):
        # UpdateVmInterfaceCommand: on a running VM a plugged NIC keeps its model and MAC (CANNOT_PERFORM_HOT_UPDATE,
        # 409); unplug it, update it, plug it back.
        if vm.status in RUNNING_STATES and nic.obj.plugged and body.plugged is not False:
            model_changes = body.interface is not None and body.interface != nic.obj.interface
            mac_changes = (
                body.mac is not None and body.mac.address and nic.obj.mac is not None and body.mac.address.lower() != (nic.obj.mac.address or '').lower()
            )
            if model_changes or mac_changes:
                raise SimError(
                    409,
                    '[Cannot edit Interface. Updating some of the properties is not supported while '
                    'the interface is plugged into a running virtual machine. Please un-plug the '
                    'interface, update the properties, and then plug it back.]',
                )
        if body.name and body.name != nic.obj.name and any(other.obj.name == body.name for other in vm.nics):
            raise SimError(409, '[Cannot edit Interface. The VM Network Interface name is already in use, please choose a unique name and try again.]')
        if body.vnic_profile is not None:
            profile = self._nic_profile(vm, body)
            nic.obj.vnic_profile = ref(types.VnicProfile, profile) if profile else None
        if body.mac and body.mac.address:
            nic.obj.mac = types.Mac(address=self._claim_mac(body.mac.address, nic))
        for field in ('name', 'interface', 'linked', 'plugged', 'description'):
            value = getattr(body, field)
            if value is not None:
                setattr(nic.obj, field, value)
        vm.touch()
        return nic

    def remove_nic(self, vm, nic):
        if vm.status == 'up' and nic.obj.plugged:
            raise SimError(
                409, '[Cannot remove Interface. Active (plugged) VM Network Interface cannot be removed while the VM is running. Please unplug it first.]'
            )
        vm.nics.remove(nic)
        if nic.obj.mac:
            self.macs_in_use.discard(nic.obj.mac.address)
        vm.touch()

    # ---- searches ---------------------------------------------------------------------------------

    def search_vms(self, text, case_sensitive=True, limit=None):
        self.advance_all()
        search = Search(text, VM_SEARCH_FIELDS, case_sensitive)
        if any(field == 'status' and '_' in pattern.pattern for field, _negate, pattern in search.clauses):
            # `status=image_locked` is no status the search language knows: the engine's SearchQuery fails to
            # parse it and answers an empty list with 200, not an error (BaseAutoCompleter validation).
            return []
        return search.apply(self.vms.values(), limit)

    def search_templates(self, text, case_sensitive=True, limit=None):
        search = Search(text, TEMPLATE_SEARCH_FIELDS, case_sensitive)
        candidates = list(self.templates.values())
        remaining = []
        for field, negate, pattern in search.clauses:
            if field == 'datacenter':
                # Blank belongs to every data center.
                candidates = [tpl for tpl in candidates if (tpl.datacenter is None or bool(pattern.match(tpl.datacenter.name))) != negate]
            elif field == 'vm.name':
                used = {vm.template.id for vm in self.vms.values() if pattern.match(vm.name)}
                candidates = [tpl for tpl in candidates if (tpl.id in used) != negate]
            else:
                remaining.append((field, negate, pattern))
        search.clauses = remaining
        return search.apply(candidates, limit)
