"""Routing of ``/ovirt-engine/api/...`` requests onto the engine state.

Request bodies are parsed only by the SDK's reader (``ovirtsdk4.reader.Reader``); answers come from
``render``.  Every method here runs with the state's lock held.
"""

import copy
import re

from ovirtsdk4 import types
from ovirtsdk4.reader import Reader

from . import disks as disk_rules
from . import osinfo, render
from .model import CDROM_ID, DISK_SEARCH_FIELDS, HOST_SEARCH_FIELDS, NAMED_SEARCH_FIELDS, Device, Search, SimError, merge_struct, new_id, not_found, ref

# Actions the engine offers on a VM; those the simulator does not model answer a 404 fault.
VM_ACTIONS = frozenset(
    (
        'start',
        'stop',
        'shutdown',
        'reboot',
        'reset',
        'suspend',
        'migrate',
        'cancelmigration',
        'clone',
        'commitsnapshot',
        'detach',
        'export',
        'exporttoexportdomain',
        'exporttopathonhost',
        'freezefilesystems',
        'logon',
        'maintenance',
        'previewsnapshot',
        'reordermacaddresses',
        'thawfilesystems',
        'ticket',
        'undosnapshot',
        'autopincpuandnumanodes',
    )
)

# Top-level collections that exist in the engine but hold nothing in the simulator.
EMPTY_COLLECTIONS = ('affinitylabels', 'events', 'groups', 'instancetypes', 'jobs', 'macpools', 'roles', 'schedulingpolicies', 'vmpools', 'externalvmimports')

# VM sub-collections a client may add items to, with the SDK type of their items.
VM_DEVICE_TYPES = {
    'watchdogs': types.Watchdog,
    'graphicsconsoles': types.GraphicsConsole,
    'numanodes': types.VirtualNumaNode,
    'hostdevices': types.HostDevice,
    'affinitylabels': types.AffinityLabel,
    'permissions': types.Permission,
    'floppies': types.Floppy,
    'mediateddevices': types.VmMediatedDevice,
    'sessions': types.Session,
}


# The engine's rule for tag names (the same as for VM names), worded in its message as letters, digits, '_', '-'.
TAG_NAME_RE = re.compile(r'^[\w.-]{1,50}$')


def _bool(value, default):
    if value is None or value == '':
        return default
    return value.lower() in ('true', '1', 'yes')


def _int(value):
    try:
        return int(value) if value not in (None, '') else None
    except ValueError:
        raise SimError(400, "Value '%s' of parameter 'max' isn't a valid integer" % value, reason='Invalid value') from None


def with_disk_links(disk):
    return render.with_links(disk.obj, 'disks')


def is_action(method, parts):
    return method == 'POST' and len(parts) == 3 and parts[0] == 'vms' and parts[2] in VM_ACTIONS


def unsupported(method, path):
    return SimError(405, '%s %s is not modelled by the oVirt engine simulator' % (method, path), reason='Method Not Allowed')


class ApiRouter:
    """Answers API requests: ``dispatch()`` returns (HTTP status, XML text or '')."""

    def __init__(self, state, username):
        self.state = state
        self.render = render.Renderer(state)
        self.username = username

    @staticmethod
    def read(body, expected):
        """The request body as an SDK object of type ``expected`` (400 when it is not)."""
        try:
            obj = Reader.read(body.decode('utf-8')) if body else None
        except Exception:  # The SDK's reader raises several exception types on bad input.
            obj = None
        if not isinstance(obj, expected):
            raise SimError(400, 'Request syntactically incorrect: expected <%s>' % expected.__name__.lower(), reason='Request syntactically incorrect.')
        return obj

    @staticmethod
    def find(entities, entity_id):
        entity = entities.get(entity_id)
        if entity is None:
            raise not_found()
        return entity

    def dispatch(self, method, parts, query, headers, body):
        disk_rules.advance_disks(self.state)
        all_content = _bool(query.get('all_content', headers.get('All-Content')), False)
        follow = render.parse_follow(query.get('follow'))
        if not parts:
            if method != 'GET':
                raise unsupported(method, '/')
            return 200, self.render.api_root(self.username)
        top, rest = parts[0], parts[1:]
        handler = {
            'vms': self.vms,
            'templates': self.templates,
            'clusters': self.clusters,
            'datacenters': self.datacenters,
            'hosts': self.hosts,
            'storagedomains': self.storage_domains,
            'networks': self.networks,
            'vnicprofiles': self.vnic_profiles,
            'disks': self.disks,
            'tags': self.tags,
            'operatingsystems': self.operating_systems,
        }.get(top)
        if handler is not None:
            return handler(method, rest, query, body, follow, all_content)
        if top in EMPTY_COLLECTIONS and not rest and method == 'GET':
            return 200, render.wrap(render.LIST_TAGS[top], [])
        if top == 'users' and not rest and method == 'GET':
            user = types.User(
                id='fdfc627c-d875-11e0-90f0-83df133b58cc',
                user_name=self.username,
                name=self.username.split('@')[0],
                principal=self.username.split('@')[0],
                namespace='*',
                domain_entry_id='61646D696E',
            )
            user.href = '%s/users/%s' % (render.API, user.id)
            return 200, render.write([user], root='users')
        raise SimError(404, 'Unknown path: /%s' % '/'.join(parts), reason='Not Found')

    # ---- search helpers ----------------------------------------------------------------------------------

    def _search(self, entities, query, fields):
        search = Search(query.get('search'), fields, _bool(query.get('case_sensitive'), True))
        return search.apply(sorted(entities, key=lambda entity: entity.name or ''), _int(query.get('max')))

    def _simple(self, method, rest, query, follow, entities, kind, fields, subs):
        """GET on a read-only collection, its members and their (possibly empty) sub-collections."""
        if method != 'GET':
            raise unsupported(method, '/'.join(rest))
        if not rest:
            found = self._search(entities.values(), query, fields)
            return 200, self.render.entities(render.LIST_TAGS[kind], found, follow)
        entity = self.find(entities, rest[0])
        if len(rest) == 1:
            return 200, self.render.entity(entity, follow)
        rel = rest[1]
        if rel not in render.LINKS.get(kind, ()):
            raise SimError(404, 'Unknown path', reason='Not Found')
        items = subs.get(rel, lambda entity: [])(entity)
        if len(rest) == 2:
            tag = render.LIST_TAGS.get(rel, rel)
            if kind == 'hosts':
                tag = render.HOST_LIST_TAGS.get(rel, tag)
            return 200, render.write(items, root=tag)
        for item in items:
            if item.id == rest[2]:
                return 200, render.write(item)
        raise not_found()

    # ---- VMs ------------------------------------------------------------------------------------------------

    def vms(self, method, rest, query, body, follow, all_content):
        state = self.state
        if not rest:
            if method == 'GET':
                found = state.search_vms(query.get('search'), _bool(query.get('case_sensitive'), True), _int(query.get('max')))
                return 200, self.render.vms(found, follow, all_content)
            if method == 'POST':
                vm = state.create_vm(self.read(body, types.Vm), clone=_bool(query.get('clone'), False))
                return 201, self.render.vm(vm, all_content=True)
            raise unsupported(method, 'vms')
        vm = self.find(state.vms, rest[0])
        state.advance(vm)
        if len(rest) == 1:
            if method == 'GET':
                if _bool(query.get('next_run'), False) and vm.next_run is not None:
                    return 200, self.render.vm(self._next_run_shadow(vm), follow, all_content)
                return 200, self.render.vm(vm, follow, all_content)
            if method == 'PUT':
                state.update_vm(vm, self.read(body, types.Vm), next_run=_bool(query.get('next_run'), False))
                return 200, self.render.vm(vm, all_content=True)
            if method == 'DELETE':
                state.remove_vm(vm, detach_only=_bool(query.get('detach_only'), False))
                return 200, ''
            raise unsupported(method, 'vms/{id}')
        rel = rest[1]
        if method == 'POST' and len(rest) == 2 and rel in VM_ACTIONS:
            action = self.read(body, types.Action) if body else types.Action()
            state.vm_action(vm, rel, action)
            return 200, render.action_done()
        if rel not in render.LINKS['vms']:
            raise SimError(404, 'Unknown path', reason='Not Found')
        return self.vm_sub(method, vm, rel, rest[2:], query, body, follow)

    def _next_run_shadow(self, vm):
        """The VM entity as it will be at its next start, for rendering only (same devices, own render cache)."""
        shadow = copy.copy(vm)
        shadow.obj = self.state.next_run_view(vm)
        shadow.cache = {}
        return shadow

    def vm_sub(self, method, vm, rel, rest, query, body, follow):
        items = self.render.vm_sub_items(vm, rel)
        if not rest:
            if method == 'GET':
                if follow:
                    items = [self.render.expand(copy.copy(item), follow) for item in items]
                if rel == 'nics':
                    return 200, render.wrap('nics', [render.with_links(item, 'nics') for item in items])
                return 200, render.write(items, root=render.LIST_TAGS[rel])
            if method == 'POST':
                self._check_unlocked(vm, rel)
                return 201, self.vm_sub_add(vm, rel, body)
            raise unsupported(method, 'vms/{id}/%s' % rel)
        item = next((item for item in items if item.id == rest[0]), None)
        if item is None:
            raise not_found()
        if len(rest) > 1:
            if rel == 'nics' and rest[1] in ('reporteddevices', 'statistics', 'networkfilterparameters'):
                devices = (
                    [device for device in self.render.reported_devices(vm) if item.mac and device.mac.address == item.mac.address]
                    if rest[1] == 'reporteddevices'
                    else []
                )
                return 200, render.write(devices, root=render.LIST_TAGS[rest[1]])
            raise SimError(404, 'Unknown path', reason='Not Found')
        if method == 'GET':
            if follow:
                item = self.render.expand(copy.copy(item), follow)
            return 200, render.with_links(item, 'nics') if rel == 'nics' else render.write(item)
        self._check_unlocked(vm, rel)
        if method == 'PUT':
            return 200, self.vm_sub_update(vm, rel, item, body)
        if method == 'DELETE':
            self.vm_sub_remove(vm, rel, item)
            return 200, ''
        raise unsupported(method, 'vms/{id}/%s/{id}' % rel)

    @staticmethod
    def _check_unlocked(vm, rel):
        if vm.status == 'image_locked' and rel != 'diskattachments':  # disks.py words its own refusal
            raise SimError(
                409,
                '[Cannot edit VM: VM is locked. Please try again in a few minutes.]'
                if rel != 'nics'
                else '[Cannot add Interface: VM is locked. Please try again in a few minutes.]',
            )

    def _device(self, vm, rel, item):
        return next(device for device in vm.devices.get(rel, []) + vm.nics if device.obj is item)

    def vm_sub_add(self, vm, rel, body):
        state = self.state
        if rel == 'nics':
            return render.with_links(state.add_nic(vm, self.read(body, types.Nic)).obj, 'nics')
        if rel == 'tags':
            wanted = self.read(body, types.Tag)
            tag = state.tags.get(wanted.id) if wanted.id else next((tag for tag in state.tags.values() if tag.name == wanted.name), None)
            if tag is None:
                raise SimError(404, 'Entity not found: Tag: %s' % (wanted.id or 'name=%s' % wanted.name))
            if tag not in vm.tags:
                vm.tags.append(tag)
                vm.touch()
            return render.write(tag.obj)
        if rel == 'diskattachments':
            return render.write(self._attach_disk(vm, self.read(body, types.DiskAttachment)))
        expected = VM_DEVICE_TYPES.get(rel)
        if expected is None:
            raise unsupported('POST', 'vms/{id}/%s' % rel)
        obj = self.read(body, expected)
        if hasattr(obj, 'vm'):
            obj.vm = ref(types.Vm, vm)
        if rel == 'graphicsconsoles' and obj.protocol is not None:
            device_id = obj.protocol.value.encode().hex()
        else:
            device_id = new_id()
        device = Device(vm, rel, obj, device_id)
        vm.devices.setdefault(rel, []).append(device)
        vm.touch()
        return render.write(device.obj)

    def _attach_disk(self, vm, attachment):
        state = self.state
        wanted = attachment.disk
        if wanted is None:
            raise SimError(400, 'DiskAttachment [disk] required for add', reason='Incomplete parameters')
        if not wanted.id:
            # BackendDiskAttachmentsResource.add: a disk without an id is a new one (AddDisk).
            disk = disk_rules.add_new_disk(state, vm, attachment)
        else:
            disk = state.disks.get(wanted.id)
            if disk is None:
                raise SimError(404, 'Entity not found: %s' % wanted.id)
            if any(disk in other.disks for other in state.vms.values()):
                raise SimError(409, '[Cannot attach Virtual Disk. The disk is already attached to VM.]')
            vm.disks.append(disk)
            vm.touch()
        return next(item for item in self.render.disk_attachments(vm) if item.id == disk.id)

    def vm_sub_update(self, vm, rel, item, body):
        state = self.state
        if rel == 'nics':
            device = self._device(vm, rel, item)
            return render.with_links(state.update_nic(vm, device, self.read(body, types.Nic)).obj, 'nics')
        if rel == 'diskattachments':
            disk = next(disk for disk in vm.disks if disk.id == item.id)
            wanted = self.read(body, types.DiskAttachment)
            disk_rules.update_disk(self.state, disk, wanted.disk, vm=vm, attachment=wanted)
            return render.write(next(found for found in self.render.disk_attachments(vm) if found.id == disk.id))
        if rel == 'cdroms':
            # 'current' (the running VM's CD) and the persisted CD are one in the simulator.
            wanted = self.read(body, types.Cdrom)
            item.file = types.File(id=wanted.file.id) if wanted.file and wanted.file.id else None
            vm.touch()
            return render.write(item)
        if rel in VM_DEVICE_TYPES:
            merge_struct(item, self.read(body, VM_DEVICE_TYPES[rel]))
            vm.touch()
            return render.write(item)
        raise unsupported('PUT', 'vms/{id}/%s/{id}' % rel)

    def vm_sub_remove(self, vm, rel, item):
        state = self.state
        if rel == 'nics':
            state.remove_nic(vm, self._device(vm, rel, item))
        elif rel == 'tags':
            vm.tags = [tag for tag in vm.tags if tag.obj is not item]
        elif rel == 'diskattachments':
            vm.disks = [disk for disk in vm.disks if disk.id != item.id]
        elif rel in VM_DEVICE_TYPES or rel == 'snapshots':
            if rel == 'snapshots' and item.snapshot_type == types.SnapshotType.ACTIVE:
                raise SimError(409, "[Cannot remove Snapshot. Active VM snapshot can't be removed.]")
            vm.devices[rel] = [device for device in vm.devices.get(rel, []) if device.obj is not item]
        elif rel == 'cdroms' and item.id == CDROM_ID:
            raise SimError(409, '[Cannot remove CD-ROM. The VM must have one CD-ROM device.]')
        else:
            raise unsupported('DELETE', 'vms/{id}/%s/{id}' % rel)
        vm.touch()

    # ---- templates ---------------------------------------------------------------------------------------------

    def templates(self, method, rest, query, body, follow, all_content):
        del body, all_content
        state = self.state
        if method != 'GET':
            raise unsupported(method, 'templates')
        if not rest:
            found = state.search_templates(query.get('search'), _bool(query.get('case_sensitive'), True), _int(query.get('max')))
            return 200, render.wrap('templates', [self.render.template(tpl, follow) for tpl in found])
        tpl = self.find(state.templates, rest[0])
        if len(rest) == 1:
            return 200, self.render.template(tpl, follow)
        rel = rest[1]
        if rel not in render.LINKS['templates']:
            raise SimError(404, 'Unknown path', reason='Not Found')
        items = self.render.template_sub_items(tpl, rel)
        if len(rest) == 2:
            return 200, render.write(items, root=render.LIST_TAGS[rel])
        item = next((item for item in items if item.id == rest[2]), None)
        if item is None:
            raise not_found()
        return 200, render.write(item)

    # ---- infrastructure -------------------------------------------------------------------------------------

    def operating_systems(self, method, rest, query, body, follow, all_content):
        """The engine's OS list (OperatingSystemsService.list, BackendOperatingSystemsResource: every OS of its
        osinfo, in id order here; the engine does not promise an order), and one OS by id (404 for another id).
        The list's element is <operation_systems>, the name the API model's XML gives it (ovirt-engine-api-metamodel
        SchemaNames.TAG_NAME_EXCEPTIONS), which the SDK reads."""
        del body, follow, all_content
        if method != 'GET':
            raise unsupported(method, 'operatingsystems')
        if not rest:
            found = [osinfo.os_info(number, render.API) for number in sorted(osinfo.BY_ID)]
            limit = _int(query.get('max'))
            return 200, render.write(found[:limit] if limit is not None else found, root='operation_systems')
        if len(rest) == 1 and rest[0].isdigit() and int(rest[0]) in osinfo.BY_ID:
            return 200, render.write(osinfo.os_info(int(rest[0]), render.API))
        raise not_found()

    def clusters(self, method, rest, query, body, follow, all_content):
        del body, all_content

        def networks(cluster):
            # The networks attached to the cluster, not every one of its data center (ovirt-engine-api-model
            # ClusterNetworksService.list; ovirt-engine BackendClusterNetworksResource, GetAllNetworksByClusterId).
            found = []
            for network in self.state.networks.values():
                if (cluster.id, network.id) in self.state.cluster_networks:
                    obj = copy.copy(network.obj)
                    obj.cluster = ref(types.Cluster, cluster)
                    found.append(obj)
            return found

        def cpu_profiles(cluster):
            profile = types.CpuProfile(id=cluster.id[:-12] + '000000000001', name=cluster.name, cluster=ref(types.Cluster, cluster))
            profile.href = '%s/cpuprofiles/%s' % (render.API, profile.id)
            return [profile]

        return self._simple(
            method, rest, query, follow, self.state.clusters, 'clusters', NAMED_SEARCH_FIELDS, {'networks': networks, 'cpuprofiles': cpu_profiles}
        )

    def datacenters(self, method, rest, query, body, follow, all_content):
        del body, all_content
        state = self.state

        def storage_domains(datacenter):
            found = []
            for domain in state.storage_domains.values():
                if domain.datacenter is datacenter:
                    obj = self.render.storage_domain_obj(domain)
                    obj.status = types.StorageDomainStatus.ACTIVE
                    obj.data_center = ref(types.DataCenter, datacenter)
                    found.append(obj)
            return found

        subs = {
            'clusters': lambda dc: [c.obj for c in state.clusters.values() if c.datacenter is dc],
            'networks': lambda dc: [n.obj for n in state.networks.values() if n.datacenter is dc],
            'storagedomains': storage_domains,
        }
        return self._simple(method, rest, query, follow, state.datacenters, 'datacenters', NAMED_SEARCH_FIELDS, subs)

    def hosts(self, method, rest, query, body, follow, all_content):
        del body, all_content
        return self._simple(method, rest, query, follow, self.state.hosts, 'hosts', HOST_SEARCH_FIELDS, {})

    def storage_domains(self, method, rest, query, body, follow, all_content):
        del body, all_content
        state = self.state
        subs = {'disks': lambda sd: [disk.obj for disk in state.disks.values() if disk.storage_domain is sd]}
        return self._simple(method, rest, query, follow, state.storage_domains, 'storagedomains', NAMED_SEARCH_FIELDS, subs)

    def networks(self, method, rest, query, body, follow, all_content):
        del body, all_content
        state = self.state
        subs = {'vnicprofiles': lambda net: [p.obj for p in state.vnic_profiles.values() if p.network is net]}
        return self._simple(method, rest, query, follow, state.networks, 'networks', NAMED_SEARCH_FIELDS, subs)

    def vnic_profiles(self, method, rest, query, body, follow, all_content):
        del body, all_content
        return self._simple(method, rest, query, follow, self.state.vnic_profiles, 'vnicprofiles', NAMED_SEARCH_FIELDS, {})

    def disks(self, method, rest, query, body, follow, all_content):
        del all_content
        if method == 'PUT' and len(rest) == 1:
            # DiskService.update (UpdateDiskCommand): what grows a disk.
            disk = disk_rules.update_disk(self.state, self.find(self.state.disks, rest[0]), self.read(body, types.Disk))
            return 200, with_disk_links(disk)
        return self._simple(method, rest, query, follow, self.state.disks, 'disks', DISK_SEARCH_FIELDS, {})

    def tags(self, method, rest, query, body, follow, all_content):
        del all_content
        state = self.state
        if method == 'POST' and not rest:
            wanted = self.read(body, types.Tag)
            if not wanted.name:
                raise SimError(400, 'Tag [name] required for add', reason='Incomplete parameters')
            if not TAG_NAME_RE.match(wanted.name):
                raise SimError(400, "[Invalid tag name. Only 'A-Z', 'a-z', '0-9', '_' and '-' characters are valid, Attribute: tag.name]")
            if any(tag.name == wanted.name for tag in state.tags.values()):
                raise SimError(409, '[Cannot add Tag. Tag name is in use.]')
            return 201, render.write(state.add_tag(wanted.name, wanted.description).obj)
        if method == 'DELETE' and len(rest) == 1:
            tag = self.find(state.tags, rest[0])
            del state.tags[tag.id]
            for vm in state.vms.values():
                if tag in vm.tags:
                    vm.tags.remove(tag)
                    vm.touch()
            return 200, ''
        return self._simple(method, rest, query, follow, state.tags, 'tags', NAMED_SEARCH_FIELDS, {})
