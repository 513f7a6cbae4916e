# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The oVirt engine's objects by name or id: a mixin of OvirtDriver (driver.py).

Clusters, hosts, vNIC profiles and storage domains are read once per session (one request each) and looked up
by name or id from there, read again once when a name or id is new to them (made since). So are the networks
attached to a cluster, one request per cluster, read only when a NIC is given a vNIC profile, and the engine's OS
types, one request, read only when a run writes an os_type. The lookups and the
messages that list what is available when a name is not found belong together; so do the one place that turns
an SDK reference (a link with an id) into that id, and the one that finds a VM's service by its id."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, InvalidInputError, NotFoundError, some_names


def _ref_id(ref):
    return ref.id if ref is not None else None


def _vm_service(system, vm_id):
    return system.vms_service().vm_service(str(vm_id))


def cluster_entry(cluster):
    """A clusters lookup entry of an SDK cluster (its data center's name when it was followed)."""
    return {
        'id': cluster.id,
        'name': cluster.name,
        'dc_id': _ref_id(cluster.data_center),
        'dc_name': cluster.data_center.name if cluster.data_center is not None else None,
        'bios_type': cluster.bios_type.value if cluster.bios_type is not None else None,
        'architecture': cluster.cpu.architecture.value if cluster.cpu is not None and cluster.cpu.architecture is not None else None,
    }


def host_entry(host):
    return {'id': host.id, 'name': host.name, 'status': host.status.value if host.status else None}


class OvirtLookups:
    """The engine's clusters, hosts, vNIC profiles and storage domains of OvirtDriver, by name or id."""

    def _lookup(self, kind, refresh=False):
        """{id: {...}} of clusters, hosts, vNIC profiles or storage domains: one request each, kept for the session."""
        with self._lock:
            cached = None if refresh else self._lookups.get(kind)
        if cached is not None:
            return cached
        if kind == 'clusters':
            found = {c.id: cluster_entry(c) for c in self._read(lambda system: system.clusters_service().list(follow='data_center'))}
        elif kind == 'hosts':
            found = {h.id: host_entry(h) for h in self._read(lambda system: system.hosts_service().list())}
        elif kind == 'profiles':
            found = {
                p.id: {
                    'id': p.id,
                    'name': p.name,
                    'network': p.network.name if p.network is not None else None,
                    'network_id': _ref_id(p.network),
                    'dc_id': _ref_id(p.network.data_center) if p.network is not None else None,
                }
                for p in self._read(lambda system: system.vnic_profiles_service().list(follow='network'))
            }
        elif kind == 'storage_domains':
            found = {
                s.id: {'id': s.id, 'name': s.name, 'dc_ids': [d.id for d in s.data_centers or ()]}
                for s in self._read(lambda system: system.storage_domains_service().list())
            }
        else:
            raise ValueError(kind)
        with self._lock:
            self._lookups[kind] = found
        return found

    def _lookup_ids(self, kind, ids):
        """The lookup of kind, read again if one of ids is new to it (made since it was read).

        At most once per session: an id that stays unknown (an object this user may not see) must not cost a
        request per VM.
        """
        if all(i is None for i in ids):
            # Nothing to name (a VM that runs on no host, has no NIC): no request.
            return {}
        table = self._lookup(kind)
        if kind not in self._refreshed and any(i is not None and i not in table for i in ids):
            self._refreshed.add(kind)
            table = self._lookup(kind, refresh=True)
        return table

    def _named(self, kind, ref, entry):
        """The lookup entry of ref (a cluster or host of a VM): made from ref itself when the VM was read with it
        followed (it has a name then), else from the lookup of kind (read once per session)."""
        if ref is None:
            return None
        if ref.name is not None:
            return entry(ref)
        return self._lookup_ids(kind, [ref.id]).get(ref.id)

    def _profile_names(self, nics):
        """{vNIC profile id: {'name'}} of the NICs: from the NICs when their profiles were followed, else from the
        profiles lookup (read once per session, and only when a profile came as a bare link)."""
        followed = {n.vnic_profile.id: {'name': n.vnic_profile.name} for n in nics if n.vnic_profile is not None and n.vnic_profile.name is not None}
        missing = [_ref_id(n.vnic_profile) for n in nics if _ref_id(n.vnic_profile) is not None and _ref_id(n.vnic_profile) not in followed]
        profiles = dict(self._lookup_ids('profiles', missing)) if missing else {}
        profiles.update(followed)
        return profiles

    def _domain_names(self, attachments):
        """{storage domain id: {'name'}} of the disks' domains: from the disks when their domains were followed,
        else from the storage domains lookup (read once per session, only for a domain that came as a bare link)."""
        refs = [d for a in attachments if a.disk is not None for d in (a.disk.storage_domains or ())[:1]]
        followed = {d.id: {'name': d.name} for d in refs if d.name is not None}
        missing = [d.id for d in refs if d.id not in followed]
        domains = dict(self._lookup_ids('storage_domains', missing)) if missing else {}
        domains.update(followed)
        return domains

    def _matching(self, kind, wanted):
        """(entries of a lookup for which wanted(entry) holds, every entry); read again once when none does."""
        entries = list(self._lookup(kind).values())
        found = [e for e in entries if wanted(e)]
        if not found:
            # Made since the lookup was read, perhaps.
            entries = list(self._lookup(kind, refresh=True).values())
            found = [e for e in entries if wanted(e)]
        return found, entries

    def _cluster(self, name, subject):
        """The cluster called name, or NotFoundError listing the clusters."""
        found, clusters = self._matching('clusters', lambda c: name in (c['name'], c['id']))
        if not found:
            raise self.error(
                NotFoundError, "cluster '{0}' not found; available: {1}".format(name, ', '.join(sorted(c['name'] for c in clusters)) or 'none'), subject
            )
        return found[0]

    def _profile(self, name, dc_id, subject):
        """The vNIC profile called name in data center dc_id; NotFoundError lists the profiles there."""
        found, profiles = self._matching('profiles', lambda p: p['name'] == name and p['dc_id'] == dc_id)
        if not found:
            raise self.error(
                NotFoundError,
                "vNIC profile '{0}' not found; available: {1}".format(name, ', '.join(sorted({p['name'] for p in profiles if p['dc_id'] == dc_id})) or 'none'),
                subject,
            )
        if len(found) > 1:
            raise self.error(
                ConflictError,
                "several vNIC profiles are named '{0}' (networks {1}); give each profile a unique name".format(
                    name, ', '.join(sorted(p['network'] for p in found))
                ),
                subject,
            )
        return found[0]

    def _storage_domain(self, name, dc_id, subject):
        """The storage domain called name attached to data center dc_id; NotFoundError lists those there."""
        found, domains = self._matching('storage_domains', lambda d: name in (d['name'], d['id']) and dc_id in d['dc_ids'])
        if not found:
            raise self.error(
                NotFoundError,
                "storage domain '{0}' not found; available: {1}".format(name, ', '.join(sorted(d['name'] for d in domains if dc_id in d['dc_ids'])) or 'none'),
                subject,
            )
        return found[0]

    def _cluster_network_ids(self, cluster, subject):
        """The ids of the networks attached to cluster (a lookup entry): GET /clusters/{id}/networks, once per
        cluster a session. A network of the data center need not be attached to every cluster of it."""
        key = ('cluster_networks', cluster['id'])
        with self._lock:
            cached = self._lookups.get(key)
        if cached is not None:
            return cached
        found = frozenset(n.id for n in self._read(lambda system: system.clusters_service().cluster_service(cluster['id']).networks_service().list(), subject))
        with self._lock:
            self._lookups[key] = found
        return found

    def _os_types(self, subject):
        """{name: CPU architecture or None} of the engine's operating systems (GET /operatingsystems,
        OperatingSystemInfo.name and .architecture): one request, the first time a session needs them, kept for it."""
        with self._lock:
            cached = self._lookups.get('operating_systems')
        if cached is not None:
            return cached
        found = {
            o.name: o.architecture.value if o.architecture is not None else None
            for o in self._read(lambda system: system.operating_systems_service().list(), subject)
            if o.name
        }
        with self._lock:
            self._lookups['operating_systems'] = found
        return found

    def _check_os_type(self, os_type, subject, cluster=None):
        """os_type (the engine's word a write would send) is an OS of the engine's list, for the CPU architecture of
        cluster (a clusters entry) when given. The engine takes any name without a fault and keeps an unknown one as
        `other` (its REST layer maps the name to an OS id: VmMapper.mapOsType, OsRepositoryImpl.getOsIdByUniqueName, 0
        for a name it does not know), so the VM would never have the OS asked for and every run would write it again;
        and it refuses an OS of another architecture than the cluster's only when it validates the VM's update
        (VmValidationUtils.isOsTypeSupported, 409), after a clone was made. Both refused first, in one line, before any
        write. Called only for an os_type a run writes, so only such a run reads the list."""
        systems = self._os_types(subject)
        if os_type not in systems:
            raise self.error(
                InvalidInputError,
                "os_type '{0}' is not an operating system of the engine, which would store it as 'other'; "
                'give linux, windows, other or one of its {1} OS types (GET /operatingsystems), e.g. {2}'.format(
                    os_type, len(systems), some_names(os_type, systems)
                ),
                subject,
            )
        # A cluster no host has joined yet has the architecture 'undefined': the engine places no VM there at all.
        wanted, runs = systems[os_type], (cluster or {}).get('architecture')
        if wanted and runs not in (None, 'undefined') and wanted != runs:
            fitting = sorted(name for name, architecture in systems.items() if architecture == runs)
            raise self.error(
                InvalidInputError,
                "os_type '{0}' is an operating system for {1}, and cluster '{2}' runs {3}, so the engine would refuse it; "
                'give one of its {4} OS types for {3}, e.g. {5}'.format(os_type, wanted, cluster['name'], runs, len(fitting), some_names(os_type, fitting)),
                subject,
            )

    def _nic_profiles(self, nics, cluster, subject, before=()):
        """The vNIC profile entry of each NIC (nic records or spec entries) that names one, in cluster's data center
        and on a network attached to cluster: the engine refuses a NIC on any other with 409 only after the VM is
        made (VmNicValidator.networkExistsInCluster, NETWORK_NOT_EXISTS_IN_CURRENT_CLUSTER), so this refuses it
        first, in one line. NICs whose network is the one before lists at their index are left alone: the engine
        checks only a NIC it adds or whose profile it changes. Costs one request (the cluster's networks) the first
        time a NIC needs the check, none otherwise."""
        profiles = {}
        for index, nic in enumerate(nics or ()):
            if not nic.get('network'):
                continue
            if index < len(before) and before[index].get('network') == nic['network']:
                continue
            profiles[index] = self._profile(nic['network'], cluster['dc_id'], subject)
        if not profiles or all(p['network_id'] is None for p in profiles.values()):
            return profiles
        attached = self._cluster_network_ids(cluster, subject)
        for index, profile in sorted(profiles.items()):
            if profile['network_id'] is not None and profile['network_id'] not in attached:
                usable = sorted({p['name'] for p in self._lookup('profiles').values() if p['network_id'] in attached})
                raise self.error(
                    InvalidInputError,
                    "networks[{0}].network: network '{1}' of vNIC profile '{2}' is not attached to cluster '{3}'; "
                    'attach it to the cluster or use a profile of one that is: {4}'.format(
                        index, profile['network'], profile['name'], cluster['name'], ', '.join(usable) or 'none'
                    ),
                    subject,
                )
        return profiles
