"""fakepve with the rules a real Proxmox VE enforces beyond its API schema, each from the PVE source it follows.

fakepve (and the schema check of tests/simulators/pve_schema) accept some requests a real PVE refuses or treats
differently. StrictPve, a mixin for a FakePve, adds them:

1. clone to another node (``target``) only when every disk of the VM is on shared storage, else 500
   "can't clone VM to node '<n>' (VM uses local storage)" — before the task starts (qemu-server
   PVE/API2/Qemu.pm clone_vm, $check_storage_access_clone);
2. GET /nodes/{node}/tasks lists the archive — finished tasks — unless ``source`` is ``active`` (running ones, status
   RUNNING) or ``all`` (pve-manager PVE/API2/Tasks.pm node_tasks, `$param->{source} // 'archive'`);
3. the description is stored as comment lines of the config file and read back with the whole text's trailing
   whitespace stripped (qemu-server PVE/QemuServer.pm: write_vm_config's $generate_raw_config writes each line of
   split(/\\n/) as '#' . encode_text(line); parse_vm_config joins the '#' lines with "\\n" and `s/\\s+$//`);
4. ipconfigN only configures netN: the cloud-init network data PVE generates walks the netN keys and takes their
   ipconfigN; an ipconfigN without its netN is stored and has no effect (qemu-server PVE/QemuServer/Cloudinit.pm,
   `grep { /^net(\\d+)$/ } keys %$conf` ... `$conf->{"ipconfig$id"}`) — see cloud_init_interfaces();
5. memory below the balloon target is refused: 500 "balloon value too large (must be smaller than assigned
   memory)" when memory or balloon is written (qemu-server PVE/API2/Qemu.pm update_vm_api,
   $load_and_check_config; the current memory is PVE::QemuServer::Memory::get_current_memory, default 512);
6. SSH keys: each non-blank line of the URL-decoded ``sshkeys`` must be a key ``ssh-keygen -l -f`` reads, else 500
   "SSH public key validation error" before anything is written (pve-common PVE/Tools.pm
   validate_ssh_public_keys, called by create_vm and update_vm_api). Without ssh-keygen on the machine the double
   checks the key's structure instead: a known type, then base64 whose first field names that same type.
7. the guest agent's endpoints (GET/POST /nodes/{node}/qemu/{vmid}/agent/...) refuse, with 500 and PVE's words, in
   PVE's order: a VM whose config has no ``agent`` key "No QEMU guest agent configured", a VM not running "VM <id>
   is not running", and a running VM whose agent does not answer "QEMU guest agent is not running" — which is also
   what a VM started with ``agent: 0`` gets, as PVE adds the agent's channel only when the agent is enabled
   (qemu-server PVE/QemuServer/Agent.pm assert_agent_available, called by agent_cmd for every agent command;
   fakepve answers the last message for all three).

The other input rules PVE enforces (unicast MACs, IPv4/IPv6 prefixes above 7, net0..net31, VM names as DNS names)
are schema rules: tests/simulators/pve_schema checks them on every request.

The storages: ``local`` (dir) and ``local-lvm`` (lvmthin) are local to each node, as on a default PVE install;
StrictPve adds ``ceph-vm``, an RBD pool shared by every node (pve-storage PVE/Storage/Plugin.pm parse_config sets
``shared`` on every storage whose type is in @SHARED_STORAGE: rbd, nfs, cifs, cephfs, iscsi, zfs over iSCSI, pbs...).
"""

import base64
import binascii
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse

from fakepve.model import PveError
from fakepve.qemu import drives_of, volume_ref
from fakepve.server import USER, ok, params

SHARED_STORAGE = 'ceph-vm'
# PVE::QemuServer::Memory: memory's default (MiB) when the config has none.
DEFAULT_MEMORY = 512
BALLOON_TOO_LARGE = 'balloon value too large (must be smaller than assigned memory)'
SSH_KEY_ERROR = 'SSH public key validation error'
# The key types OpenSSH's ssh-keygen reads (sshkey.c keytypes), for the structural check.
SSH_KEY_TYPES = (
    'ssh-rsa',
    'ssh-dss',
    'ssh-ed25519',
    'ssh-ed448',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'sk-ecdsa-sha2-nistp256@openssh.com',
    'sk-ssh-ed25519@openssh.com',
    'ssh-rsa-cert-v01@openssh.com',
    'ssh-ed25519-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256-cert-v01@openssh.com',
)


def stored_description(text):
    """The description as PVE reads it back after writing it (rule 3): Perl's \\s is [ \\t\\n\\r\\f\\v]."""
    return re.sub(r'[ \t\n\r\f\v]+\Z', '', str(text))


def current_memory(value):
    """PVE::QemuServer::Memory::get_current_memory of a memory value: `1024` or `current=1024`."""
    if value is None or value == '':
        return DEFAULT_MEMORY
    for part in str(value).split(','):
        key, val = part.rpartition('=')[::2]
        if key in ('', 'current'):
            return int(val)
    return DEFAULT_MEMORY


def _ssh_keygen_reads(line):
    """True if ssh-keygen -l -f reads the line as a public key (what validate_ssh_public_keys runs)."""
    handle, path = tempfile.mkstemp(prefix='pve-sshkey-')
    try:
        with os.fdopen(handle, 'w') as out:
            out.write(line + '\n')
        return subprocess.run(['ssh-keygen', '-l', '-f', path], capture_output=True, timeout=30, check=False).returncode == 0
    finally:
        os.unlink(path)


def _key_structure_ok(line):
    """Without ssh-keygen: [options] type base64 [comment], the blob's first string naming the same type."""
    fields = line.split()
    for start in range(len(fields)):
        if fields[start] in SSH_KEY_TYPES:
            break
    else:
        return False
    if start + 1 >= len(fields):
        return False
    try:
        blob = base64.b64decode(fields[start + 1], validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(blob) < 4:
        return False
    size = int.from_bytes(blob[:4], 'big')
    # The type name, then the key's own fields: a blob holding only the name is no key.
    return blob[4 : 4 + size] == fields[start].encode() and len(blob) > 4 + size + 4


def ssh_key_valid(line):
    if shutil.which('ssh-keygen'):
        return _ssh_keygen_reads(line)
    return _key_structure_ok(line)


def check_ssh_keys(values):
    """Rule 6: PVE::Tools::validate_ssh_public_keys on the URL-decoded sshkeys."""
    if values.get('sshkeys') is None:
        return
    for line in urllib.parse.unquote(str(values['sshkeys'])).split('\n'):
        if line.strip() and not ssh_key_valid(line):
            raise PveError(500, SSH_KEY_ERROR)


def agent_enabled(value):
    """Whether a config's ``agent`` value enables the agent (rule 7): its ``enabled`` key, which is the format's
    default key (so given bare: ``1``, or ``enabled=1``, anywhere in the list), read as pve-common
    PVE/JSONSchema.pm parse_boolean reads a boolean: 1, on, yes, true, any case."""
    for part in str(value).split(','):
        key, sep, item = part.partition('=')
        if not sep:
            key, item = 'enabled', part
        if key.strip() == 'enabled':
            return item.strip().lower() in ('1', 'on', 'yes', 'true')
    return False


class StrictPve:
    """Mixin for a FakePve: the rules above."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storages[SHARED_STORAGE] = {'type': 'rbd', 'active': 1, 'content': 'images,rootdir', 'shared': 1, 'pool': 'vm', 'krbd': 0, 'files': set()}

    # --------------------------------------------------------------- rule 7: the guest agent's preconditions
    async def _agent_call(self, match, values):
        vm = self.find(values['node'], values['vmid'])
        if 'agent' not in vm.config:
            raise PveError(500, 'No QEMU guest agent configured')
        if vm.status != 'running':
            raise PveError(500, 'VM {0} is not running'.format(vm.vmid))
        if not agent_enabled(vm.config['agent']):
            raise PveError(500, 'QEMU guest agent is not running')
        return await super()._agent_call(match, values)

    # --------------------------------------------------------------- rule 1: clone target and shared storage
    def _storage_shared(self, sid):
        return bool((self.storages.get(sid) or {}).get('shared'))

    def vm_uses_local_storage(self, config):
        """PVE/API2/Qemu.pm $check_storage_access_clone: a disk, or a CD-ROM image, on a storage not shared."""
        for _key, volume, _props in drives_of(config):
            if not volume or volume in ('none', 'cdrom'):
                continue
            sid = volume_ref(volume)[0]
            if sid is None:
                continue  # an absolute path: PVE's parse_volume_id dies on it; fakepve answers that itself
            # Disks and CD-ROM images alike: either on a local storage makes the VM local.
            if not self._storage_shared(sid):
                return True
        return False

    async def _qm_clone(self, v, user):
        node, target = v['node'], v.get('target')
        if target and target not in (node, 'localhost'):
            source = self.vm(int(v['vmid']))
            if source is not None and source.node == node:
                snapname = v.get('snapname')
                config = source.snapshots.get(snapname, source.config) if snapname else source.config
                if self.vm_uses_local_storage(config):
                    raise PveError(500, "can't clone VM to node '{0}' (VM uses local storage)".format(target))
        if v.get('description') is not None:
            v = dict(v, description=stored_description(v['description']))
        return await super()._qm_clone(v, user)

    # --------------------------------------------------------------------------- rule 2: the task list
    async def _task_list(self, request):
        node = request.match_info['node']
        user = request[USER]
        p = self._verify(request, await params(request))
        source = p.get('source') or 'archive'
        audit = self.allowed(user, '/nodes/' + node, 'Sys.Audit')
        vmid = p.get('vmid')

        def wanted(task):
            return (
                task['node'] == node
                and (vmid is None or task['id'] == str(vmid))
                and (audit or self._task_owner(user, task))
                and (not p.get('typefilter') or task['type'] == p['typefilter'])
                and (p.get('since') is None or task['starttime'] >= int(p['since']))
                and (p.get('until') is None or task['starttime'] <= int(p['until']))
            )

        active, archive = [], []
        for task in self.tasklog:
            if not wanted(task):
                continue
            if task['status'] == 'running':
                # Tasks.pm: a task of the active list without an end status shows as RUNNING.
                active.append(dict(self._task_view(task, True), status='RUNNING'))
            else:
                archive.append(self._task_view(task, True))
        active.sort(key=lambda t: -t['starttime'])
        archive.sort(key=lambda t: -t['starttime'])
        listed = (active if source in ('active', 'all') else []) + (archive if source != 'active' else [])
        start = int(p.get('start', 0) or 0)
        return ok(listed[start : start + int(p.get('limit', 50) or 50)])

    # -------------------------------------------- rules 3, 5 and 6: what a config write stores or refuses
    async def _apply_config(self, vm, user, p):
        p = dict(p)
        if p.get('description') is not None:
            p['description'] = stored_description(p['description'])
        if p.get('memory') or p.get('balloon') is not None:
            memory = p.get('memory') or vm.pending.get('memory') or vm.config.get('memory')
            balloon = p['balloon'] if p.get('balloon') is not None else (vm.pending.get('balloon') or vm.config.get('balloon'))
            if balloon and int(balloon) > current_memory(memory):
                raise PveError(500, BALLOON_TOO_LARGE)
        return await super()._apply_config(vm, user, p)

    async def _config_put(self, request):
        check_ssh_keys(await params(request))
        return await super()._config_put(request)

    async def _config_post(self, request):
        check_ssh_keys(await params(request))
        return await super()._config_post(request)

    async def _qm_create(self, v, user):
        check_ssh_keys(v)
        if v.get('description') is not None:
            v = dict(v, description=stored_description(v['description']))
        return await super()._qm_create(v, user)

    # ------------------------------------------------------------------ rule 4: ipconfigN goes with netN
    def cloud_init_interfaces(self, vmid):
        """{'eth<N>': ipconfigN} of the network data PVE's cloud-init would generate for the VM: only the netN it
        has, each with its own ipconfigN (Cloudinit.pm); an ipconfigN without netN is left out."""
        config = self.vm(int(vmid)).config
        found = {}
        for key in sorted(config):
            slot = re.fullmatch(r'net(\d+)', key)
            if slot and config.get('ipconfig' + slot.group(1)):
                found['eth' + slot.group(1)] = config['ipconfig' + slot.group(1)]
        return found


__all__ = ['SHARED_STORAGE', 'StrictPve', 'stored_description']
