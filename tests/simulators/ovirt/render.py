"""XML answers of the simulated engine, written by the SDK's own writers.

Every element comes from ``ovirtsdk4.writer.Writer`` (entities) or ``ovirtsdk4.xml.XmlWriter`` (the
``<link rel= href=>`` elements the writers never emit).  Only two things are spliced as text: the
collection wrapper (``<vms>...</vms>``) around items written one by one, and links / followed
sub-collections placed before an entity's closing tag.  That splicing is what lets each VM's XML be
cached, so listing thousands of VMs with ``follow=nics,reported_devices`` stays cheap.
"""

import copy

from ovirtsdk4 import Struct, types, xml
from ovirtsdk4.writer import Writer

from .model import API, BLANK_TEMPLATE_ID, blank, guest_ipv4, link_local, now_utc, ref

# The rel names of the sub-collection links of each kind of entity (as the engine emits them).
LINKS = {
    'vms': (
        'affinitylabels',
        'applications',
        'backups',
        'cdroms',
        'checkpoints',
        'diskattachments',
        'floppies',
        'graphicsconsoles',
        'hostdevices',
        'katelloerrata',
        'mediateddevices',
        'nics',
        'numanodes',
        'permissions',
        'reporteddevices',
        'sessions',
        'snapshots',
        'statistics',
        'tags',
        'watchdogs',
    ),
    'templates': ('cdroms', 'diskattachments', 'graphicsconsoles', 'mediateddevices', 'nics', 'permissions', 'tags', 'watchdogs'),
    'clusters': (
        'affinitygroups',
        'cpuprofiles',
        'enabledfeatures',
        'externalnetworkproviders',
        'glusterhooks',
        'glustervolumes',
        'networkfilters',
        'networks',
        'permissions',
    ),
    'datacenters': ('clusters', 'iscsibonds', 'networks', 'permissions', 'qoss', 'quotas', 'storagedomains'),
    'hosts': (
        'affinitylabels',
        'devices',
        'fenceagents',
        'hooks',
        'katelloerrata',
        'networkattachments',
        'nics',
        'numanodes',
        'permissions',
        'statistics',
        'storage',
        'storageconnectionextensions',
        'tags',
        'unmanagednetworks',
    ),
    'storagedomains': ('diskprofiles', 'disks', 'disksnapshots', 'files', 'images', 'permissions', 'storageconnections', 'templates', 'vms'),
    'networks': ('networklabels', 'permissions', 'vnicprofiles'),
    'vnicprofiles': ('permissions',),
    'disks': ('disksnapshots', 'permissions', 'statistics'),
    'tags': (),
    'nics': ('networkfilterparameters', 'reporteddevices', 'statistics'),
}

# The XML tag of each collection, by URL path element (used for list answers).
LIST_TAGS = {
    'affinitygroups': 'affinity_groups',
    'affinitylabels': 'affinity_labels',
    'applications': 'applications',
    'backups': 'backups',
    'cdroms': 'cdroms',
    'checkpoints': 'checkpoints',
    'clusters': 'clusters',
    'cpuprofiles': 'cpu_profiles',
    'datacenters': 'data_centers',
    'devices': 'host_devices',
    'diskattachments': 'disk_attachments',
    'diskprofiles': 'disk_profiles',
    'disks': 'disks',
    'disksnapshots': 'disk_snapshots',
    'enabledfeatures': 'cluster_features',
    'events': 'events',
    'externalnetworkproviders': 'external_providers',
    'fenceagents': 'agents',
    'files': 'files',
    'floppies': 'floppies',
    'glusterhooks': 'gluster_hooks',
    'glustervolumes': 'gluster_volumes',
    'graphicsconsoles': 'graphics_consoles',
    'groups': 'groups',
    'hooks': 'hooks',
    'hostdevices': 'host_devices',
    'hosts': 'hosts',
    'images': 'images',
    'instancetypes': 'instance_types',
    'iscsibonds': 'iscsi_bonds',
    'jobs': 'jobs',
    'katelloerrata': 'katello_errata',
    'macpools': 'mac_pools',
    'mediateddevices': 'vm_mediated_devices',
    'networkattachments': 'network_attachments',
    'networkfilterparameters': 'network_filter_parameters',
    'networkfilters': 'network_filters',
    'networklabels': 'network_labels',
    'networks': 'networks',
    'nics': 'nics',
    'numanodes': 'vm_numa_nodes',
    'permissions': 'permissions',
    'qoss': 'qoss',
    'quotas': 'quotas',
    'reporteddevices': 'reported_devices',
    'roles': 'roles',
    'schedulingpolicies': 'scheduling_policies',
    'sessions': 'sessions',
    'snapshots': 'snapshots',
    'statistics': 'statistics',
    'storage': 'host_storages',
    'storageconnectionextensions': 'storage_connection_extensions',
    'storageconnections': 'storage_connections',
    'storagedomains': 'storage_domains',
    'tags': 'tags',
    'templates': 'templates',
    'unmanagednetworks': 'unmanaged_networks',
    'users': 'users',
    'vmpools': 'vm_pools',
    'vms': 'vms',
    'vnicprofiles': 'vnic_profiles',
    'watchdogs': 'watchdogs',
    'externalvmimports': 'external_vm_imports',
}

# Host sub-collections whose tag differs from the VM ones.
HOST_LIST_TAGS = {'nics': 'host_nics', 'numanodes': 'host_numa_nodes'}

# Attributes left out of a VM unless the request says all_content=true (as the engine documents).
HEAVY_VM_FIELDS = ('_console', '_rng_device', '_soundcard_enabled', '_virtio_scsi')

# States in which a guest agent reports the guest's devices and addresses.
GUEST_REPORTING_STATES = frozenset(('up', 'powering_down', 'migrating', 'reboot_in_progress'))


def write(obj, root=None):
    """One SDK object (or list, with ``root``) as XML text, by the SDK's writers."""
    return Writer.write(obj, root=root)


def links_xml(href, rels):
    cursor = xml.XmlWriter(None, False)
    try:
        for rel in rels:
            cursor.write_start('link')
            cursor.write_attribute('href', '%s/%s' % (href, rel))
            cursor.write_attribute('rel', rel)
            cursor.write_end()
        return cursor.string()
    finally:
        cursor.close()


def split_element(text):
    """Split a written element into (its text up to the closing tag, the closing tag)."""
    if text.endswith('/>'):
        head = text[:-2] + '>'
        tag = head[1:].split(None, 1)[0].rstrip('>')
        return head, '</%s>' % tag
    cut = text.rindex('</')
    return text[:cut], text[cut:]


def with_links(obj, kind, inner=''):
    """``obj`` written as XML, with its sub-collection links (and ``inner`` XML) before the closing tag."""
    head, tail = split_element(write(obj))
    return head + inner + links_xml(obj.href, LINKS.get(kind, ())) + tail


def wrap(tag, items):
    return '<%s>%s</%s>' % (tag, ''.join(items), tag) if items else '<%s/>' % tag


_VM_LIST_TAGS = {}


def vm_list_tag(attr):
    """The element the SDK's VM writer uses for the sub-list ``attr`` (e.g. numa_nodes -> host_numa_nodes)."""
    tag = _VM_LIST_TAGS.get(attr)
    if tag is None:
        holder = blank(types.Vm)
        setattr(holder, attr, [])
        tag = _VM_LIST_TAGS[attr] = write(holder)[len('<vm><') : -len('/></vm>')]
    return tag


def parse_follow(text):
    """``'nics,disk_attachments.disk'`` -> ``{'nics': {}, 'disk_attachments': {'disk': {}}}``."""
    tree = {}
    for path in (text or '').split(','):
        node = tree
        for part in path.strip().split('.'):
            if part:
                node = node.setdefault(part, {})
    return tree


class Renderer:
    """Turns entities of an ``EngineState`` into XML; call with the state's lock held."""

    def __init__(self, state):
        self.state = state

    # ---- computed parts of entities ----------------------------------------------------------------

    def reported_devices(self, vm):
        if vm.status not in GUEST_REPORTING_STATES:
            return []
        devices = []
        for position, nic in enumerate(vm.nics):
            mac = nic.obj.mac.address if nic.obj.mac else None
            if not mac or not nic.obj.plugged:
                continue
            device = types.ReportedDevice(
                id=mac.replace(':', '').rjust(32, '0'),
                name='eth%d' % position,
                description='guest reported data',
                type=types.ReportedDeviceType.NETWORK,
                mac=types.Mac(address=mac),
                ips=[
                    types.Ip(address=guest_ipv4(vm.index, position), version=types.IpVersion.V4),
                    types.Ip(address=link_local(mac), version=types.IpVersion.V6),
                ],
                vm=ref(types.Vm, vm),
            )
            device.href = '%s/reporteddevices/%s' % (vm.href, device.id)
            devices.append(device)
        return devices

    def disk_attachments(self, owner):
        attachments = []
        is_vm = owner.kind == 'vms'
        for position, disk in enumerate(owner.disks):
            wiring = disk.attachment
            attachment = types.DiskAttachment(
                id=disk.id,
                active=wiring['active'],
                bootable=wiring['bootable'],
                interface=types.DiskInterface(wiring['interface']),
                pass_discard=wiring['pass_discard'],
                read_only=False,
                uses_scsi_reservation=False,
                logical_name='/dev/sd%s' % chr(ord('a') + position) if is_vm and owner.status == 'up' else None,
                disk=types.Disk(id=disk.id),
            )
            attachment.href = '%s/diskattachments/%s' % (owner.href, disk.id)
            attachment.disk.href = disk.href
            if is_vm:
                attachment.vm = types.Vm(id=owner.id)
                attachment.vm.href = owner.href
            else:
                attachment.template = types.Template(id=owner.id)
                attachment.template.href = owner.href
            attachments.append(attachment)
        return attachments

    @staticmethod
    def _statistic(owner_attr, owner, name, description, unit, value, stat_type=types.ValueType.INTEGER):
        stat = types.Statistic(
            id=name.encode().hex()[:32].rjust(32, '0'),
            name=name,
            description=description,
            kind=types.StatisticKind.GAUGE,
            type=stat_type,
            unit=unit,
            values=[types.Value(datum=float(value))],
        )
        stat.href = '%s/statistics/%s' % (owner.href, stat.id)
        ref = types.Vm(id=owner.id) if owner_attr == 'vm' else types.Host(id=owner.id)
        ref.href = owner.href
        setattr(stat, owner_attr, ref)
        return stat

    def statistics(self, vm):
        running = vm.status in GUEST_REPORTING_STATES
        memory = vm.obj.memory or 0
        rows = (
            ('memory.installed', 'Total memory configured', types.StatisticUnit.BYTES, memory),
            ('memory.used', 'Memory used (agent)', types.StatisticUnit.BYTES, memory // 4 if running else 0),
            ('memory.free', 'Memory free (agent)', types.StatisticUnit.BYTES, memory - memory // 4 if running else 0),
            ('cpu.current.guest', 'CPU used by guest', types.StatisticUnit.PERCENT, 3 if running else 0),
            ('cpu.current.total', 'Total CPU used', types.StatisticUnit.PERCENT, 4 if running else 0),
            ('elapsed.time', 'Elapsed VM runtime', types.StatisticUnit.SECONDS, 60 if running else 0),
        )
        return [self._statistic('vm', vm, *row) for row in rows]

    def host_obj(self, host):
        obj = copy.copy(host.obj)
        running = [vm for vm in self.state.vms.values() if vm.host is host]
        obj.summary = types.VmSummary(active=len(running), migrating=sum(vm.status == 'migrating' for vm in running), total=len(running))
        return obj

    def storage_domain_obj(self, domain):
        obj = copy.copy(domain.obj)
        disks = [disk for disk in self.state.disks.values() if disk.storage_domain is domain]
        used = domain.base_used + sum(disk.obj.actual_size or 0 for disk in disks)
        obj.used = used
        obj.available = max(domain.capacity - used, 0)
        obj.committed = sum(disk.obj.provisioned_size or 0 for disk in disks)
        return obj

    def entity_obj(self, entity):
        """The SDK object to write for an entity (hosts and storage domains have computed fields)."""
        if entity.kind == 'hosts':
            return self.host_obj(entity)
        if entity.kind == 'storagedomains':
            return self.storage_domain_obj(entity)
        return entity.obj

    def resolve_href(self, href):
        """The full SDK object an href of a top-level entity points to, or None."""
        parts = href[len(API) + 1 :].split('/') if href and href.startswith(API + '/') else []
        if len(parts) != 2:
            return None
        entity = self.state.collection(parts[0]).get(parts[1]) if self.state.collection(parts[0]) is not None else None
        return copy.copy(self.entity_obj(entity)) if entity is not None else None

    def expand(self, obj, follow):
        """Replace the references named in ``follow`` (a parse_follow tree) by the full objects."""
        for attr, deeper in follow.items():
            value = getattr(obj, attr, None)
            if isinstance(value, Struct) and value.href:
                full = self.resolve_href(value.href)
                if full is not None:
                    self.expand(full, deeper)
                    setattr(obj, attr, full)
            elif isinstance(value, list):
                items = []
                for item in value:
                    # A list of bare links (a disk's storage domains) is followed link by link: the engine inlines
                    # "the objects referenced by these links" (ovirt-engine-api-model, the `follow` parameter).
                    full = self.resolve_href(item.href) if isinstance(item, Struct) and item.href and getattr(item, 'name', None) is None else None
                    item = copy.copy(full if full is not None else item)
                    self.expand(item, deeper)
                    items.append(item)
                setattr(obj, attr, items)
        return obj

    # ---- VMs ----------------------------------------------------------------------------------------

    def vm_sub_items(self, vm, rel):
        """The items of a VM sub-collection (by URL rel), as SDK objects."""
        if rel == 'nics':
            return [nic.obj for nic in vm.nics]
        if rel == 'reporteddevices':
            return self.reported_devices(vm)
        if rel == 'diskattachments':
            return self.disk_attachments(vm)
        if rel == 'statistics':
            return self.statistics(vm)
        if rel == 'tags':
            return [tag.obj for tag in vm.tags]
        return [device.obj for device in vm.devices.get(rel, ())]

    def _followed_list(self, vm, attr, deeper):
        """The XML of the VM's ``attr`` sub-list as the VM writer places it inside <vm>."""
        rel = attr.replace('_', '')
        if rel not in LINKS['vms']:
            return ''
        key = ('follow', rel)
        cached = vm.cache.get(key) if not deeper else None
        if cached is not None:
            return cached
        items = self.vm_sub_items(vm, rel)
        if deeper:
            items = [self.expand(copy.copy(item), deeper) for item in items]
        text = write(items, root=vm_list_tag(attr))
        if not deeper:
            vm.cache[key] = text
        return text

    def vm(self, vm, follow=None, all_content=False):
        """One VM element, with links, and the sub-collections / references named in ``follow``."""
        follow = follow or {}
        refs = {attr: deeper for attr, deeper in follow.items() if isinstance(getattr(vm.obj, attr, None), Struct)}
        key = ('vm', all_content)
        base = vm.cache.get(key) if not refs else None
        if base is None:
            obj = vm.obj
            if not all_content or refs:
                obj = copy.copy(obj)
                if not all_content:
                    for field in HEAVY_VM_FIELDS:
                        obj.__dict__[field] = None
                if refs:
                    self.expand(obj, refs)
            head, tail = split_element(write(obj))
            base = (head, links_xml(vm.href, LINKS['vms']) + tail)
            if not refs:
                vm.cache[key] = base
        lists = ''.join(self._followed_list(vm, attr, deeper) for attr, deeper in follow.items() if attr not in refs)
        return base[0] + lists + base[1]

    def vms(self, vms, follow=None, all_content=False):
        return wrap('vms', [self.vm(vm, follow, all_content) for vm in vms])

    # ---- other entities ---------------------------------------------------------------------------------

    def entity(self, entity, follow=None):
        obj = self.entity_obj(entity)
        if follow:
            obj = self.expand(copy.copy(obj), follow)
        return with_links(obj, entity.kind)

    def entities(self, tag, entities, follow=None):
        return wrap(tag, [self.entity(entity, follow) for entity in entities])

    def template(self, tpl, follow=None):
        obj = tpl.obj
        if follow:
            obj = copy.copy(obj)
            for attr, deeper in follow.items():
                rel = attr.replace('_', '')
                if rel in ('nics', 'diskattachments', 'cdroms', 'graphicsconsoles', 'watchdogs'):
                    items = [self.expand(copy.copy(item), deeper) for item in self.template_sub_items(tpl, rel)]
                    setattr(obj, attr, items)
                elif isinstance(getattr(obj, attr, None), Struct):
                    self.expand(obj, {attr: deeper})
        return with_links(obj, 'templates')

    def template_sub_items(self, tpl, rel):
        if rel == 'nics':
            return [nic.obj for nic in tpl.nics]
        if rel == 'diskattachments':
            return self.disk_attachments(tpl)
        return [device.obj for device in tpl.devices.get(rel, ())]

    def api_root(self, username):
        state = self.state
        vms = list(state.vms.values())
        hosts = list(state.hosts.values())
        blank = types.Template(id=BLANK_TEMPLATE_ID)
        blank.href = '%s/templates/%s' % (API, BLANK_TEMPLATE_ID)
        root_tag = types.Tag(id=state.root_tag.id)
        root_tag.href = state.root_tag.href
        user = types.User(id='fdfc627c-d875-11e0-90f0-83df133b58cc', user_name=username)
        user.href = '%s/users/%s' % (API, user.id)
        api = types.Api(
            product_info=types.ProductInfo(
                name='oVirt Engine',
                vendor='ovirt.org',
                instance_id='9c8f6a2e-5b1d-4b7a-9f77-0d3c9a6b1e42',
                version=types.Version(major=4, minor=5, build=7, revision=0, full_version='4.5.7-1.el9'),
            ),
            special_objects=types.SpecialObjects(blank_template=blank, root_tag=root_tag),
            summary=types.ApiSummary(
                vms=types.ApiSummaryItem(total=len(vms), active=sum(vm.status != 'down' for vm in vms)),
                hosts=types.ApiSummaryItem(total=len(hosts), active=sum(host.status == 'up' for host in hosts)),
                users=types.ApiSummaryItem(total=1, active=1),
                storage_domains=types.ApiSummaryItem(total=len(state.storage_domains), active=len(state.storage_domains)),
            ),
            time=now_utc(),
            authenticated_user=user,
            effective_user=user,
        )
        head, tail = split_element(write(api))
        rels = (
            'clusters',
            'datacenters',
            'disks',
            'events',
            'hosts',
            'jobs',
            'networks',
            'operatingsystems',
            'storagedomains',
            'tags',
            'templates',
            'vms',
            'vnicprofiles',
        )
        cursor = xml.XmlWriter(None, False)
        try:
            for rel in rels:
                cursor.write_start('link')
                cursor.write_attribute('href', '%s/%s' % (API, rel))
                cursor.write_attribute('rel', rel)
                cursor.write_end()
                # The engine also advertises the searchable collections (the SDK ignores these links).
                if rel in ('vms', 'templates', 'hosts', 'clusters', 'datacenters'):
                    cursor.write_start('link')
                    cursor.write_attribute('href', '%s/%s?search={query}' % (API, rel))
                    cursor.write_attribute('rel', '%s/search' % rel)
                    cursor.write_end()
            links = cursor.string()
        finally:
            cursor.close()
        return head + links + tail


def fault(reason, detail):
    return write(types.Fault(reason=reason, detail=detail))


def action_fault(reason, detail):
    return write(types.Action(status='failed', fault=types.Fault(reason=reason, detail=detail)))


def action_done():
    return write(types.Action(status='complete'))
