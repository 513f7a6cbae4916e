# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The Proxmox VE driver, on proxmoxer.

What it does that Proxmox needs (see docs/drivers.md): every VM of the cluster from one
/cluster/resources call; VM ids spread over the free ids above /cluster/nextid, so that parallel creates
rarely pick the same one, and a collision retried with another; tasks watched until they end, failing at
once on TASK ERROR with the last log lines; VM and storage locks waited out within the timeout; a new
login when the ticket expires; bounded retries for reads only; a write whose answer was lost is read back
(the VM by id and name, its tasks), never sent again blindly.
"""

from __future__ import annotations

import re
import threading
import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import diff_cloud_init
from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import (
    FOREIGN_ANSWER_ERRORS,
    HARDWARE_KEYS,
    HypervisorDriver,
    check_boot_order,
    check_named,
    parallel_map,
    spec_subject,
    vm_subject,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    AuthError,
    ConflictError,
    HypervisorError,
    InvalidInputError,
    NotFoundError,
    UnreachableError,
    transport_reason,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import TLS, requests_failure
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.blank import ProxmoxBlank
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.changes import config_params
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.clone import ProxmoxClone
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.cloud_init import (
    check_snippet,
    pve_free_drive_slot,
    pve_has_drive,
    pve_params,
    pve_settings,
    snippet_storage,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.config import (
    DISK_PREFIXES,
    NET_MODELS,
    _is_cdrom,
    _memory_mb,
    _natural,
    _smbios_uuid,
    _status,
    _tags,
    boot_devices,
    parse_boot_order,
    parse_net,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.errors import resource_error
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.hardware import OS_WORDS, hardware_fields
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.hotplug import memory_steps, qemu_runs, waiting_changes
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.reads import ReadFailure, Redirected
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.rules import (
    agent_enabled,
    check_cpu_and_os,
    check_ip_config_fits,
    check_nic_count,
    check_vm_name,
    local_disks,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.sdk import proxmoxer_core
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.session import ProxmoxSession
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.tasks import ProxmoxTasks, lost_answer
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import (
    describe_vm,
    host_record,
    server_record,
    template_record,
    vm_matches,
    vm_record,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import retry_while_locked

try:
    import requests
except ImportError:
    pass  # proxmoxer needs it: __init__ says proxmoxer is missing (MissingLibraryError)

# The interface types of GET /nodes/{node}/network a NIC can be attached to.
BRIDGE_TYPES = ('bridge', 'OVSBridge')


class ProxmoxDriver(ProxmoxSession, ProxmoxClone, ProxmoxTasks, ProxmoxBlank, HypervisorDriver):
    TYPE = 'proxmox'
    PUREBOOT_REGISTRY = True
    PRODUCT = 'a Proxmox VE'
    LOGINS = (('username', 'password'), ('api_token_id', 'api_token_secret'))
    # A Proxmox cluster is the connection itself: no cluster option anywhere.
    FOREIGN = {'connection': ('token',), 'placement': ('cluster',), 'vm_filters': ('cluster',), 'template_filters': ('cluster',)}
    NIC_MODELS = NET_MODELS
    CLOUD_INIT_UPGRADE = True  # as ciupgrade
    DEFAULT_DISK_INTERFACE = 'scsi'

    def __init__(self, connection):
        super().__init__(connection)
        proxmoxer_core.require(self.label)
        if connection.api_token_id and '!' not in connection.api_token_id:
            raise InvalidInputError("api_token_id must look like 'user@realm!tokenname'", hypervisor=self.label)
        self._api = None
        self._reads = None
        self._login_lock = threading.Lock()
        self._version = None
        # The VM listing of this run, until the next write: a lookup right after another reuses it.
        self._listing = None
        # The last configuration read of each VM ((node, vmid) -> config): check mode names added disks from it.
        self._seen_configs = {}
        # The same read without the pending changes, the configuration the VM runs with: hotplug decides from it.
        self._running_configs = {}
        # The nodes (with their status) of the last VM listing this run read: the node checks need no GET /nodes.
        self._listed_nodes = None
        # Ids of the VMs whose record holds the listing's status, not yet read afresh (fresh_status).
        self._listed_status = set()

    # --------------------------------------------------------------- session
    def connect(self):
        if self._version is None:
            version = self._call('GET', 'version')
            if not isinstance(version, dict) or 'version' not in version:
                raise self.not_this_api('GET version answers no version')
            self._version = server_record(version=version['version'], product='Proxmox VE')
        return self._version

    def open(self):
        # A password login's answer proves a Proxmox VE API already (_login says what else answered); an API
        # token sends nothing to log in, so its check is connect()'s version read.
        if self.conn.api_token_id and self.conn.api_token_secret:
            self.connect()
        else:
            self._session()

    def close(self):
        if self._reads is not None:
            self._reads.close()
        self._api = self._reads = None

    # --------------------------------------------------------------- requests
    def _call(self, method, path, subject=None, **params):
        """One API request: a new login on an expired ticket, and bounded retries for reads only."""
        return self._request(method, path, subject, params)

    def _read(self, path, subject=None):
        """A plain GET of the VM listing (no query): sent by the session's ListingReads (reads.py) when it has one,
        else like any other request. The same retries, renewed login and errors as _call."""
        return self._request('GET', path, subject, {}, listing=True)

    def _request(self, method, path, subject, params, listing=False):
        attempt, renewed = 0, False
        if method != 'GET':
            self._listing = None
        while True:
            attempt += 1
            api = self._session()
            reads = self._reads if listing else None
            try:
                if reads is not None:
                    try:
                        return reads.get(path)
                    except Redirected:
                        pass  # proxmoxer's request follows it, as requests does
                return getattr(api(path), method.lower())(**params)
            except proxmoxer_core.ResourceException as exc:
                # A 401 means the request was not carried out, so asking again after a new login is safe.
                if exc.status_code == 401 and not renewed and self.conn.password and not self.conn.api_token_id:
                    renewed = True
                    self._session(renew=True)
                    continue
                if method == 'GET' and self.retry.again(attempt, status=exc.status_code):
                    continue
                raise self.translate_error(exc, subject, path=path)
            except FOREIGN_ANSWER_ERRORS:
                raise self.not_this_api('{0} {1}: the answer holds no data'.format(method, path), subject)
            except (ReadFailure, requests.exceptions.RequestException) as exc:
                failure = exc.failure if isinstance(exc, ReadFailure) else requests_failure(exc)
                if method == 'GET' and self.retry.again(attempt, failure=failure):
                    continue
                error = self.transport_error(failure, transport_reason(exc), subject)
                # A write may have been carried out: the callers that can read its effect back do (lost_answer).
                error.unanswered = method != 'GET' and failure != TLS
                raise error

    def translate_error(self, exc, subject=None, path=None):
        """A ResourceException as a typed error, keeping PVE's own wording."""
        return resource_error(self, exc, path, subject)

    # ------------------------------------------------------------------ read
    def _resources(self):
        # Without type=vm the listing holds the nodes too: PVE lists every node there with the status GET /nodes
        # gives (pve-manager PVE/API2/Cluster.pm resources and PVE/API2/Nodes.pm index both take it from
        # PVE::API2Tools::extract_node_stats), so the node checks of the same run read no /nodes.
        listing = self._read('cluster/resources') or []
        self._listed_nodes = [r for r in listing if r.get('type') == 'node']
        return [r for r in listing if r.get('type') == 'qemu']

    def _nodes(self):
        """The cluster's nodes with their status: those of the VM listing this run read, else GET /nodes."""
        if self._listed_nodes is not None:
            return self._listed_nodes
        return self._call('GET', 'nodes') or []

    def facts(self):
        version = self.connect()
        resources = self._resources()
        nodes = self._nodes()
        templates = sum(1 for r in resources if r.get('template'))
        return {
            'version': version.get('version'),
            # PVE says online, offline or unknown: the words of HOST_STATUSES already.
            'hosts': [host_record(n.get('node'), n.get('status')) for n in sorted(nodes, key=lambda n: n.get('node'))],
            'host_count': len(nodes),
            'vm_count': len(resources) - templates,
            'template_count': templates,
        }

    def node_names(self):
        return [n.get('node') for n in self._nodes()]

    def _config(self, node, vmid, subject=None):
        """The configuration as it will be once pending changes apply (PVE keeps a running VM's changes pending)."""
        config, running = {}, {}
        for item in self._read('nodes/{0}/qemu/{1}/pending'.format(node, vmid), subject) or []:
            if 'value' in item:
                running[item['key']] = item['value']
            if item.get('delete'):
                continue
            config[item['key']] = item.get('pending', item.get('value'))
        self._seen_configs[(node, str(vmid))] = config
        self._running_configs[(node, str(vmid))] = running
        return config

    def _guest_ips(self, node, vmid):
        """Addresses the guest agent reports; none when the agent does not answer (best effort)."""
        try:
            answer = self._read('nodes/{0}/qemu/{1}/agent/network-get-interfaces'.format(node, vmid)) or {}
        except HypervisorError:
            return []
        ips = []
        for iface in answer.get('result') or []:
            for addr in iface.get('ip-addresses') or []:
                ip = addr.get('ip-address')
                if ip and not ip.startswith(('127.', 'fe80')) and ip != '::1':
                    ips.append(ip)
        return ips

    def _record(self, resource, config=None, ips=None, qmpstatus=None):
        cfg = config or {}
        nics = [parse_net(key, cfg[key])[0] for key in sorted(cfg, key=_natural) if re.match(r'^net\d+$', key)]
        if config is not None:
            cores = int(cfg.get('cores', 1)) * int(cfg.get('sockets', 1))
            memory = _memory_mb(cfg)
            hardware = hardware_fields(cfg)
        else:
            cores = resource.get('maxcpu')
            memory = int(resource['maxmem']) // (1024 * 1024) if resource.get('maxmem') else None
            hardware = {}
        return vm_record(
            **hardware,
            **dict(
                id=str(resource['vmid']),
                name=resource.get('name') or cfg.get('name'),
                hypervisor=self.label,
                hypervisor_type=self.TYPE,
                status=_status(resource.get('status'), resource.get('lock'), qmpstatus),
                node=resource.get('node'),
                cluster=None,
                cpu_cores=cores,
                memory_mb=memory,
                nics=nics,
                ip_addresses=ips or [],
                uuid=_smbios_uuid(cfg),
                template=resource.get('template'),
                boot_order=parse_boot_order(cfg) if config is not None else [],
                firmware=('uefi' if cfg.get('bios') == 'ovmf' else 'bios') if config is not None else None,
                os_type=cfg.get('ostype'),
                tags=_tags(cfg.get('tags') if config is not None else resource.get('tags')),
                description=cfg.get('description'),
            ),
        )

    def _detailed(self, resource):
        node, vmid = resource['node'], resource['vmid']
        config = self._config(node, vmid, describe_vm(resource.get('name'), vmid))
        ips = []
        if resource.get('status') == 'running' and agent_enabled(config.get('agent')):
            ips = self._guest_ips(node, vmid)
        return self._record(resource, config, ips)

    def _list_vms(self, name=None, status=None, node=None, cluster=None, tags=None, include_templates=False):
        # Filter on what /cluster/resources already says, then fetch configs only for what is left.
        candidates = [
            r for r in self._resources() if vm_matches(self._record(r), name=name, status=status, node=node, tags=tags, include_templates=include_templates)
        ]
        offline = {n.get('node') for n in self._nodes() if n.get('status') != 'online'}
        for node in sorted(offline & {r.get('node') for r in candidates}):
            self.warnings.append("{0}: node '{1}' is offline; its VMs are listed without their configuration".format(self.label, node))

        def detail(resource):
            # An offline node cannot answer for its VMs: report what the cluster knows.
            if resource.get('node') in offline:
                return self._record(resource)
            return self._detailed(resource)

        return parallel_map(detail, sorted(candidates, key=lambda r: int(r['vmid'])), self.max_workers)

    def _recent_resources(self):
        """The VM listing this run read last, when no write was sent since (the template lookup right after the
        VM's own lookup needs no second one); else a fresh one."""
        return self._listing if self._listing is not None else self._resources()

    def _find_resource(self, vm_id=None, name=None, templates=False):
        resources = self._listing = self._resources()
        if vm_id is not None:
            found = [r for r in resources if str(r['vmid']) == str(vm_id)]
        else:
            found = [r for r in resources if r.get('name') == name and bool(r.get('template')) == templates]
        if len(found) > 1:
            raise self.error(
                ConflictError, 'several VMs are named {0!r}: ids {1}; use id instead'.format(name, ', '.join(str(r['vmid']) for r in found)), describe_vm(name)
            )
        return found[0] if found else None

    def get_vm(self, vm_id=None, name=None):
        resource = self._find_resource(vm_id=vm_id, name=name)
        if resource is None:
            return None
        # The status as /cluster/resources has it: pvestatd's, up to ten seconds old on a real cluster. A power
        # action or removal is sent on it (PVE refuses one that does not fit, and power() says status_changed);
        # what rests on it being current reads it afresh, once (fresh_status).
        self._listed_status.add(str(resource['vmid']))
        return self._detailed(resource)

    def diff_hardware(self, vm, spec):
        changes = super().diff_hardware(vm, spec)
        # A clone not made yet (no id) is checked against its template's configuration instead (_predicted_config).
        if 'memory_mb' in changes and vm.get('id'):
            # The configuration the VM runs with decides a hotplug now, the one it will start with the next start.
            self._check_memory_steps(changes['memory_mb']['after'], self._both_configs(vm), vm_subject(vm))
        return changes

    def _both_configs(self, vm):
        """(the configuration the VM runs with, the one with its pending changes applied), as this run read them
        (_config), read now if it has not."""
        key = (vm['node'], str(vm['id']))
        if key not in self._running_configs:
            self._config(vm['node'], vm['id'], vm_subject(vm))
        return self._running_configs[key], self._seen_configs[key]

    def _check_memory_steps(self, memory, configs, subject):
        """Refuse a memory size the VM's DIMMs cannot reach where a configuration of configs has the memory hotplug
        feature (_proxmox/hotplug.py memory_steps): PVE would store another size than asked, so a re-run would
        change it again, and would not start the VM with it. Before any write, check mode alike."""
        for config in configs:
            steps = memory_steps(int(memory), config)
            if steps is not None:
                sizes = ' or '.join(str(size) for size in steps if size is not None)
                raise self.error(
                    InvalidInputError,
                    'memory_mb {0}: the VM has memory hotplug (hotplug: {1}), where Proxmox VE adds memory in DIMM steps: {2} MiB, not {0}'.format(
                        memory, config.get('hotplug'), sizes
                    ),
                    subject,
                )

    def cold_changes(self, vm, changes):
        """What PVE would not hotplug (_proxmox/hotplug.py), from the configuration this run read for the VM: the
        one the VM runs with decides, as PVE's own check does, and the pending one is what the write is made from.
        A paused VM counts as running (qemu_runs)."""
        if not qemu_runs(vm):
            return []
        running, config = self._both_configs(vm)
        return waiting_changes(running, config, changes, self.COLD_KEYS)

    def fresh_status(self, vm):
        if str(vm.get('id')) not in self._listed_status:
            return vm
        return self._with_current(vm, self._current(vm['node'], vm['id'], vm_subject(vm)))

    def _with_current(self, vm, current):
        """vm with the status of current (its status/current), the guest's addresses read when it runs (again only
        when it did not run before)."""
        self._listed_status.discard(str(vm['id']))
        status = _status(current.get('status'), current.get('lock'), current.get('qmpstatus'))
        ips = []
        if current.get('status') == 'running' and current.get('agent'):
            ips = vm.get('ip_addresses') if vm.get('status') == 'running' and vm.get('ip_addresses') else self._guest_ips(vm['node'], vm['id'])
        return dict(vm, status=status, ip_addresses=ips)

    def _vm_at(self, node, vmid, resource=None):
        """The record of VM vmid on node from its current status and configuration. Without its /cluster/resources
        entry (a VM this run just acted on, whose place is known) the name and template flag come from those."""
        subject = describe_vm((resource or {}).get('name'), vmid)
        current = self._call('GET', 'nodes/{0}/qemu/{1}/status/current'.format(node, vmid), subject) or {}
        config = self._config(node, vmid, subject)
        resource = dict(
            resource or {'vmid': vmid, 'node': node, 'name': current.get('name') or config.get('name'), 'template': 1 if config.get('template') else 0},
            status=current.get('status', (resource or {}).get('status')),
            lock=current.get('lock'),
        )
        ips = []
        if current.get('status') == 'running' and current.get('agent'):
            ips = self._guest_ips(node, vmid)
        return self._record(resource, config, ips, qmpstatus=current.get('qmpstatus'))

    def _template_record(self, resource):
        config = self._config(resource['node'], resource['vmid'])
        maxdisk = resource.get('maxdisk') or 0
        return template_record(
            id=str(resource['vmid']),
            name=resource.get('name'),
            os_type=config.get('ostype'),
            cpu_cores=int(config.get('cores', 1)) * int(config.get('sockets', 1)),
            memory_mb=_memory_mb(config),
            disk_gb=round(maxdisk / 1024**3, 1) if maxdisk else None,
            node=resource.get('node'),
            cluster=None,
            description=config.get('description'),
            hypervisor=self.label,
        )

    def _list_templates(self, name=None, node=None, cluster=None):
        found = [r for r in self._resources() if r.get('template')]
        found = [r for r in found if vm_matches(self._record(r), name=name, node=node, cluster=cluster, include_templates=True)]
        return parallel_map(self._template_record, sorted(found, key=lambda r: int(r['vmid'])), self.max_workers)

    def find_template(self, ref, node=None, cluster=None, subject=None):
        return self._template_record(self._template_resource(ref, subject))

    # ----------------------------------------------------------------- write
    def _check_node(self, node, subject):
        nodes = {n.get('node'): n.get('status') for n in self._nodes()}
        check_named('node', node, nodes, self.label, subject)
        if nodes[node] != 'online':
            raise self.error(UnreachableError, "node '{0}' is {1}".format(node, nodes[node] or 'offline'), subject)

    def _check_pool(self, pool, subject):
        pools = [p.get('poolid') for p in self._call('GET', 'pools', subject) or []]
        if pool not in pools:
            raise self.error(NotFoundError, "pool '{0}' not found; available: {1}".format(pool, ', '.join(sorted(pools)) or 'none'), subject)

    def _check_storage(self, node, storage, subject):
        stores = [s.get('storage') for s in self._call('GET', 'nodes/{0}/storage'.format(node), subject) or []]
        if storage not in stores:
            raise self.error(
                NotFoundError, "storage '{0}' not found on node '{1}'; available: {2}".format(storage, node, ', '.join(sorted(stores)) or 'none'), subject
            )

    def _check_bridges(self, node, networks, subject):
        """Each NIC's network is a bridge of the node or an SDN vnet of the cluster; a user who may not read the
        node's networks (Sys.Audit) gets a warning and the check is skipped, as PVE would still take the VM."""
        wanted = [nic['network'] for nic in networks or () if nic.get('network')]
        if not wanted:
            return
        try:
            interfaces = self._call('GET', 'nodes/{0}/network'.format(node), subject) or []
        except AuthError as exc:
            if not exc.details.get('forbidden'):
                raise
            self.warnings.append(
                "{0}: {1}: the bridges of node '{2}' could not be read ({3}), so {4} was not checked".format(
                    self.label, subject, node, exc.message, ', '.join(sorted(set(wanted)))
                )
            )
            return
        bridges = [i.get('iface') for i in interfaces if i.get('type') in BRIDGE_TYPES]
        missing = [bridge for bridge in wanted if bridge not in bridges]
        if not missing:
            return
        try:
            vnets = [v.get('vnet') for v in self._call('GET', 'cluster/sdn/vnets', subject) or []]
        except AuthError as exc:
            if not exc.details.get('forbidden'):
                raise
            vnets = []
        for bridge in missing:
            if bridge not in vnets:
                raise self.error(
                    NotFoundError,
                    "bridge '{0}' not found on node '{1}' (nor an SDN vnet); available: {2}".format(
                        bridge, node, ', '.join(sorted(set(bridges + vnets))) or 'none'
                    ),
                    subject,
                )

    def _template_resource(self, ref, subject):
        """The template resource named or numbered ref, or NotFoundError listing the available ones."""
        templates = [r for r in self._recent_resources() if r.get('template')]
        found = [r for r in templates if str(r['vmid']) == str(ref)] or [r for r in templates if r.get('name') == ref]
        if not found:
            raise self.error(
                NotFoundError,
                "template '{0}' not found; available: {1}".format(ref, ', '.join(sorted(r.get('name') or str(r['vmid']) for r in templates)) or 'none'),
                subject,
            )
        if len(found) > 1:
            raise self.error(
                ConflictError, "several templates are named '{0}': ids {1}; use the id".format(ref, ', '.join(str(r['vmid']) for r in found)), subject
            )
        return found[0]

    def _check_shared(self, template, config, target, storage, subject):
        """PVE clones to another node only a VM whose disks are all on shared storage, and only to a shared storage
        (qemu-server clone_vm): else it fails after this preflight said yes."""
        shared = set()
        for node in (template['node'], target) if storage else (template['node'],):
            stores = self._call('GET', 'nodes/{0}/storage'.format(node), subject) or []
            shared.update(s.get('storage') for s in stores if s.get('shared'))
        local = local_disks(config, shared)
        if local:
            raise self.error(
                InvalidInputError,
                "template '{0}' has {1} on storage '{2}', local to node '{3}'; Proxmox "
                "VE clones to another node ('{4}') only from shared storage: give node "
                "'{3}' or a template on shared storage".format(template.get('name'), local[0][0], local[0][1], template['node'], target),
                subject,
            )
        if storage and storage not in shared:
            raise self.error(
                InvalidInputError,
                "storage '{0}' is not shared; Proxmox VE clones to another node ('{1}') only onto shared storage".format(storage, target),
                subject,
            )

    def validate_spec(self, spec):
        super().validate_spec(spec)
        check_nic_count(spec.get('networks'), self.label, spec_subject(spec))
        check_cpu_and_os(spec, OS_WORDS, self.label, spec_subject(spec))

    def preflight(self, spec):
        if not spec.get('template'):
            return self._preflight_blank(spec)
        self.validate_spec(spec)
        subject = spec_subject(spec)
        check_vm_name(spec.get('name'), self.label, subject)
        full = (spec.get('clone_mode') or 'full') == 'full'
        if spec.get('storage') and not full:
            raise self.error(InvalidInputError, "option 'storage' applies to full clones only (clone_mode: full)", subject)
        template = self._template_resource(spec.get('template'), subject)
        target = spec.get('node') or template['node']
        self._check_node(target, subject)
        if spec.get('pool'):
            self._check_pool(spec['pool'], subject)
        if spec.get('storage'):
            self._check_storage(target, spec['storage'], subject)
        self._check_bridges(target, spec.get('networks'), subject)
        checked = {'template': template, 'target': target, 'full': full, 'config': None}
        # What the clone will hold is the template's configuration. It is read before the clone when something is
        # checked against it: its disks for a clone to another node, the hardware and boot order asked for (the
        # boot order may name only its devices). Else the run reads only the clone's own, after the clone: the
        # template's would carry nothing more (check mode's prediction reads it, _template_config).
        if target != template['node'] or any(spec.get(key) is not None for key in HARDWARE_KEYS):
            if target != template['node']:
                self._check_shared(template, self._template_config(checked, subject), target, spec.get('storage'), subject)
            predicted = self.predict_vm(spec, checked)
            devices = boot_devices(self._predicted_config(spec, checked))
            check_boot_order(spec, predicted['nics'], self.label, devices=[kind for kind in devices if kind != 'network'])
        return checked

    def _template_config(self, checked, subject):
        """The configuration of checked's template as the clone gets it (read once)."""
        if checked['config'] is None:
            template = checked['template']
            config = dict(self._config(template['node'], template['vmid'], subject))
            config.pop('template', None)
            checked['config'] = config
        return checked['config']

    def _predicted_config(self, spec, checked):
        """The clone's configuration once create_vm() has written spec's changes: the template's, with the PUT
        /config parameters _config_changes() makes applied, as PVE applies them."""
        config = dict(self._template_config(checked, spec_subject(spec)))
        clone = self._record(self._clone_resource(spec, checked), config)
        changes = self.diff_hardware(clone, spec)
        if not changes:
            return config
        subject = spec_subject(spec)
        if 'memory_mb' in changes:
            self._check_memory_steps(changes['memory_mb']['after'], (config,), subject)
        # The boot order is checked against the devices (check_boot_order), not here.
        params = config_params(config, {k: v for k, v in changes.items() if k != 'boot_order'}, self.label, subject)
        for key in (params.pop('delete', '') or '').split(','):
            config.pop(key, None)
        config.update(params)
        if 'boot_order' in changes:
            devices = boot_devices(config)
            config['boot'] = 'order=' + ';'.join(devices[kind] for kind in changes['boot_order']['after'] if kind in devices)
        return config

    def _clone_resource(self, spec, checked):
        """The /cluster/resources entry the clone will have (its id is not known before)."""
        return {'vmid': '', 'name': spec.get('name'), 'node': checked['target'], 'status': 'stopped', 'template': 0}

    def predict_vm(self, spec, checked):
        if checked.get('blank'):
            return self._predict_blank(spec, checked)
        record = self._record(self._clone_resource(spec, checked), self._predicted_config(spec, checked))
        # What PVE assigns: the id, a new SMBIOS UUID and new MACs for the clone's NICs.
        record.update(id=None, uuid=None, nics=[dict(nic, mac=None) for nic in record['nics']])
        return record

    def create_vm(self, name, spec, timeout):
        if not spec.get('template'):
            return self._create_blank(name, spec, timeout)
        spec = dict(spec, name=name)
        subject = spec_subject(spec)
        checked = self.preflight(spec)
        template, target, full = checked['template'], checked['target'], checked['full']
        source_node = template['node']
        params = {'name': name, 'full': 1 if full else 0}
        if target != source_node:
            params['target'] = target
        for option in ('storage', 'pool'):
            if spec.get(option):
                params[option] = spec[option]
        vmid = self._clone(source_node, template['vmid'], params, subject, time.monotonic() + timeout)
        # The clone task ended well, so the VM is stopped and unlocked where it was made: its configuration is
        # all there is left to read.
        resource = {'vmid': vmid, 'node': target, 'name': name, 'status': 'stopped', 'template': 0}
        vm = self._record(resource, self._config(target, vmid, describe_vm(name, vmid)))
        changes = self.diff_hardware(vm, spec)
        return self.apply_changes(vm, changes, timeout) if changes else vm

    def apply_changes(self, vm, changes, timeout):
        if not changes:
            return vm
        subject = vm_subject(vm)
        node, vmid = vm['node'], vm['id']
        config = self._config(node, vmid, subject)
        params = config_params(config, changes, self.label, subject)
        if 'disks' in changes and changes['disks']['add']:
            params.update(self._add_params(config, changes['disks'], subject, running=qemu_runs(vm))[0])
        path = 'nodes/{0}/qemu/{1}/config'.format(node, vmid)
        if 'disks' in changes:
            # Before the config write, so a lost answer of that write is read back with the disks grown already.
            self._grow_disks(vm, changes['disks']['grow'], timeout)

        def write():
            try:
                self._call('PUT', path, subject, **params)
            except HypervisorError as exc:
                if not lost_answer(exc):
                    raise
                # PUT /config answers once the change is written: read it back, and send it again only when the
                # configuration does not hold it yet (the request never arrived).
                wanted = {key: change['after'] for key, change in changes.items()}
                if self.diff_hardware(self._vm_at(node, vmid), wanted):
                    self._call('PUT', path, subject, **params)

        if params:
            retry_while_locked(write, time.monotonic() + timeout)
        return self._vm_at(node, vmid)

    # ------------------------------------------------------------ cloud-init
    # The VM's cloud-init drive and its ci* settings; user_data as a snippet (cicustom user=...) that must already be
    # on a storage whose content allows snippets: PVE's API cannot upload snippets (upload takes iso, vztmpl, import).
    def check_cloud_init(self, settings, node=None, template=None, subject=None):
        if not settings.get('user_data'):
            return
        ignored = [key for key in ('user', 'password', 'ssh_keys') if settings.get(key)]
        if ignored:
            # cicustom user= replaces the user data PVE generates from ciuser, cipassword and sshkeys (Cloudinit.pm).
            self.warnings.append(
                '{0}: {1}: cloud_init.user_data replaces the user data Proxmox VE makes, so {2} reach(es) the guest only if user_data sets them itself'.format(
                    self.label, subject, ', '.join(ignored)
                )
            )
        if node is None and template:
            node = self._template_resource(template, subject)['node']
        self._user_data_snippet(node, settings['user_data'], subject)

    def _user_data_snippet(self, node, user_data, subject):
        """The volume id of the snippet holding user_data on node; one line says where it must be, or that the one
        there is another document (_proxmox/cloud_init.py: check_snippet)."""
        stores = self._call('GET', 'nodes/{0}/storage'.format(node), subject, content='snippets', enabled=1) or []
        storage = snippet_storage(stores)
        content = self._call('GET', 'nodes/{0}/storage/{1}/content'.format(node, storage), subject, content='snippets') or [] if storage else []
        volid, problem = check_snippet(node, storage, content, user_data)
        if problem:
            raise self.error(NotFoundError if problem[0] == 'missing' else ConflictError, problem[1], subject)
        return volid

    def _cloud_init_of(self, config):
        nic_keys = sorted((key for key in config if re.match(r'^net\d+$', key)), key=_natural)
        found = re.search(r'(?:^|,)user=[^,]*pureboot-user-data-([0-9a-f]{16})\.yaml', str(config.get('cicustom') or ''))
        snippet = found.group(1) if found else ('other' if 'user=' in str(config.get('cicustom') or '') else None)
        return pve_settings(config, nic_keys, snippet), nic_keys

    def read_cloud_init(self, vm):
        return self._cloud_init_of(self._config(vm['node'], vm['id'], vm_subject(vm)))[0]

    def write_cloud_init(self, vm, settings, change, timeout):
        subject = vm_subject(vm)
        node, vmid = vm['node'], vm['id']
        path = 'nodes/{0}/qemu/{1}/config'.format(node, vmid)
        deadline = time.monotonic() + timeout

        def params_for(config, change):
            nic_keys = self._cloud_init_of(config)[1]
            if 'ip_config' in change['keys']:
                check_ip_config_fits(settings['ip_config'], nic_keys, self.label, subject)
            params, delete = pve_params(settings, change, config, nic_keys)
            if 'user_data' in change['keys']:
                params['cicustom'] = 'user=' + self._user_data_snippet(node, settings['user_data'], subject)
            if not pve_has_drive(config):
                # The drive goes on the storage of the VM's first disk, as PVE's GUI proposes.
                disks = [
                    key
                    for key in sorted(config, key=_natural)
                    if key.startswith(DISK_PREFIXES) and re.match(r'^[a-z]+\d+$', key) and not _is_cdrom(config[key])
                ]
                storage = str(config[disks[0]]).split(':', 1)[0] if disks else 'local-lvm'
                params[pve_free_drive_slot(config)] = '{0}:cloudinit'.format(storage)
            if delete:
                params['delete'] = ','.join(delete)
            return params

        def write():
            try:
                self._call('PUT', path, subject, **params_for(self._config(node, vmid, subject), change))
            except HypervisorError as exc:
                if not lost_answer(exc):
                    raise
                # Read back: sent again (from the config as it is now, so no second drive) only when not all there.
                config = self._config(node, vmid, subject)
                again = diff_cloud_init(self._cloud_init_of(config)[0], dict(settings, update_password='on_create'))
                if again or not pve_has_drive(config):
                    left = dict(again or {'keys': []}, password=change['password'])
                    self._call('PUT', path, subject, **params_for(config, left))

        retry_while_locked(write, deadline)
        return self.read_cloud_init(vm)
