# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options of pureboot_vm, shared with its twin of each type (pureboot_vm_<type>); their argument spec
    is in plugins/module_utils/_vm_module.py."""

    DOCUMENTATION = r"""
options:
  name:
    description:
      - Name of the VM. It must be unique on the hypervisor; when several VMs share it the task fails and lists their
        ids, so use O(id) instead.
      - Required to create a VM.
    type: str
  id:
    description:
      - Id of an existing VM (Proxmox VMID, oVirt UUID, libvirt domain UUID). Takes precedence over O(name) to find
        the VM.
    type: str
  state:
    description:
      - V(present) makes sure the VM exists with the given hardware; a new VM is left stopped.
      - V(running) and V(stopped) also set the power state. V(stopped) shuts the guest down gracefully unless
        O(force=true).
      - V(restarted) reboots a running VM (stop and start with O(force=true)) and starts a stopped one.
      - V(absent) stops the VM if needed and removes it with its disks. On libvirt only the volumes the collection
        made for the VM are removed; a shareable disk, a volume another domain uses or one it did not make stays,
        with a warning.
    type: str
    choices: [present, running, stopped, restarted, absent]
    default: present
  template:
    description:
      - Template to create the VM from, by name or id. Needed only when the VM does not exist yet.
      - When the template is not found the task fails listing the available ones.
      - Without it a new VM is blank (Proxmox VE C(POST /nodes/{node}/qemu), oVirt the engine's C(Blank) template,
        libvirt a new domain with new volumes); it needs at least one disk in O(disks) and one NIC in O(networks).
    type: str
  node:
    description:
      - Proxmox VE node to create the VM on. Defaults to the template's node; for a blank VM, to the only node of
        the cluster (required when it has several).
      - On libvirt one connection is one host, so the node is that host's name, and another one fails.
    type: str
  cluster:
    description:
      - oVirt cluster to create the VM in. Required to create a VM on oVirt.
    type: str
  storage:
    description:
      - Proxmox VE storage or oVirt storage domain for the VM's disks (full clones only on Proxmox VE).
      - On libvirt, the storage pool of the VM's disk volumes; defaults to the pool of the template's disk, and for
        a blank VM to the pool named V(default).
      - The storage of the disks of O(disks) that name none.
    type: str
  pool:
    description:
      - Proxmox VE resource pool to put a new VM in.
    type: str
  clone_mode:
    description:
      - V(full) copies the template's disks; V(linked) makes copy-on-write disks backed by the template.
      - On libvirt, a linked clone's disk is a qcow2 overlay whose backing file is the template's volume.
    type: str
    choices: [full, linked]
    default: full
  cpu_cores:
    description:
      - Number of virtual CPUs.
    type: int
  memory_mb:
    description:
      - Memory in MiB.
      - On a Proxmox VE VM with C(memory) in its C(hotplug) setting, a size the VM's memory DIMMs reach (1024, then
        steps of 512 MiB, of 1 GiB after 32 of them); another size is refused.
    type: int
  networks:
    description:
      - The VM's NICs, in order. NICs beyond this list are removed.
      - For each NIC only the keys that are given are compared with the VM.
    type: list
    elements: dict
    suboptions:
      network:
        description:
          - Proxmox VE bridge (V(vmbr0)) or oVirt vNIC profile or network (V(ovirtmgmt)).
          - On libvirt, a libvirt network (V(default)), or V(bridge:<name>) for a bridge of the host (V(bridge:br0)).
          - Required for a NIC the VM does not have yet.
        type: str
      vlan:
        description:
          - VLAN tag (Proxmox VE). Not on oVirt or libvirt, where the network (or its portgroup) gives the VLAN.
        type: int
      model:
        description:
          - NIC model, for example V(virtio) or V(e1000).
        type: str
      mac:
        description:
          - MAC address; any common notation, compared and returned lowercase with colons.
        type: str
  disks:
    description:
      - The VM's disks in bus order; the first is the boot disk.
      - The n-th disk of the list is the VM's n-th disk. When the VM has it, it grows to O(disks[].size_gb); a smaller
        size fails before anything is written, as a disk is never shrunk. When it does not, it is added.
      - Disks beyond the list are left alone; the module never removes a disk. The storage and interface of a disk
        the VM has are not compared (a disk is never moved).
    type: list
    elements: dict
    suboptions:
      size_gb:
        description: Size in GiB, 1 to 65536.
        type: int
        required: true
      storage:
        description:
          - Proxmox VE storage, oVirt storage domain or libvirt storage pool of a disk to add.
          - Defaults to O(storage), else the storage of the VM's first disk.
        type: str
      interface:
        description:
          - Bus of a disk to add. Defaults to V(virtio) on libvirt and oVirt, V(scsi) on Proxmox VE (on a
            C(virtio-scsi-single) controller).
        type: str
        choices: [virtio, scsi, sata, ide]
  os_type:
    description:
      - Guest OS type. V(linux), V(windows) and V(other) are mapped to the type's own word (Proxmox VE V(l26),
        V(win11), V(other)); any other value is the type's own (Proxmox VE V(l24), V(win10), ...; oVirt one of the
        engine's OS types, V(rhel_9x64), checked against its list before anything is written; libvirt a libosinfo
        OS id such as V(http://debian.org/debian/12)).
      - A VM whose OS type is of the family asked for (V(linux) for V(l26)) is left as it is.
      - Defaults to V(linux) for a blank VM.
    type: str
  cpu_sockets:
    description:
      - Number of CPU sockets O(cpu_cores) (the total of virtual CPUs) is spread over; O(cpu_cores) must be a
        multiple of it.
    type: int
  cpu_type:
    description:
      - CPU model. V(host) passes the host's CPU through (Proxmox VE C(cpu=host), libvirt
        C(<cpu mode='host-passthrough'/>)); any other value is the type's own model name (V(x86-64-v2-AES)).
      - On libvirt a model must be one libvirt knows for the domain's architecture (C(virsh cpu-models x86_64)),
        checked before anything is written. On oVirt the engine's custom CPU model is passed on unchecked, since the
        engine stores any model and its API lists none; an unknown one fails only when the VM starts.
    type: str
  start_on_boot:
    description:
      - Start the VM when its host starts (Proxmox VE C(onboot), libvirt autostart). oVirt has no such setting per
        VM and refuses it.
    type: bool
  boot_order:
    description:
      - Boot devices in order, each once. A device the VM will not have (V(network) without a NIC) fails before
        anything is written.
    type: list
    elements: str
    choices: [network, disk, cdrom]
  firmware:
    description:
      - V(bios) or V(uefi).
    type: str
    choices: [bios, uefi]
  description:
    description:
      - Description (notes) of the VM. An empty string removes it.
    type: str
  tags:
    description:
      - Tags of the VM; the list is compared as a set, case-insensitively, and returned lowercase.
      - Each tag is 1-50 letters, digits, V(_), V(-) or V(.), not starting with V(-) or V(.), which every hypervisor
        type stores as given (Proxmox VE would split V(has space) into two tags).
    type: list
    elements: str
  pxe_boot:
    description:
      - Put V(network) first in the boot order (after O(boot_order) if given, else the VM's current order), so the
        VM boots from the network into PureBoot. The VM needs a NIC for that.
      - Defaults to V(true) when a blank VM is created (it has nothing else to boot), else V(false).
    type: bool
  cloud_init:
    description:
      - First-boot settings for a VM made from a template that is a ready image (no PureBoot install), given to the
        guest's cloud-init. Only the suboptions that are given are compared with the VM and written.
      - Proxmox VE, the VM's cloud-init drive (added when it has none) and its C(ci*) settings. oVirt, the VM's
        C(initialization), which the engine hands to the guest at its first start only. libvirt, a NoCloud seed
        volume (label C(cidata)) in the pool of the VM's disk, attached as a CD-ROM.
      - A change on an existing VM is written and reported with a warning saying when the guest reads it.
      - Results and C(--diff) show the password as a mask, SSH keys as their fingerprints and O(cloud_init.user_data)
        as its digest.
    type: dict
    suboptions:
      user:
        description: User cloud-init creates (or configures) in the guest.
        type: str
      password:
        description:
          - Password of O(cloud_init.user). No hypervisor gives it back, so it is never compared; see
            O(cloud_init.update_password).
        type: str
      update_password:
        description:
          - V(on_create) writes O(cloud_init.password) only when the VM has no cloud-init password yet (a new VM, or
            one without one), so a second run reports no change.
          - V(always) writes it on every run, which then always reports a change; on libvirt, whose seed keeps a
            SHA-512 crypt hash of the password, only when the password does not verify against it.
        type: str
        choices: [on_create, always]
        default: on_create
      ssh_keys:
        description: OpenSSH public keys of O(cloud_init.user), one a line each; the list is authoritative.
        type: list
        elements: str
      ip_config:
        description:
          - One entry per NIC, in the order of the VM's NICs.
        type: list
        elements: dict
        suboptions:
          address:
            description: IPv4 address with its prefix length (V(192.0.2.10/24)), or V(dhcp).
            type: str
          gateway:
            description: IPv4 gateway; only with a static O(cloud_init.ip_config[].address).
            type: str
          address6:
            description: IPv6 address with its prefix length (V(2001:db8::10/64)), or V(dhcp).
            type: str
          gateway6:
            description: IPv6 gateway; only with a static O(cloud_init.ip_config[].address6).
            type: str
      nameservers:
        description: DNS servers (IP addresses).
        type: list
        elements: str
      search_domains:
        description: DNS search domains.
        type: list
        elements: str
      user_data:
        description:
          - A whole cloud-config document (its first line is C(#cloud-config)) for what the suboptions above do not
            cover; at most 64 KiB.
          - Not logged (it may hold secrets); results show its digest only.
          - On Proxmox VE it is used as a snippet (C(cicustom user=...)), which PVE's API cannot upload, so it must
            already be at C(snippets/pureboot-user-data-<digest>.yaml) of the first storage of the node (by name)
            whose content allows snippets, <digest> being the first 16 hex digits of the SHA-256 of the document
            (ending with one newline), and of the document's size (PVE's API lists a snippet's size, never its
            text, so the snippet storage must be trusted); the task fails with one line saying where otherwise.
          - On Proxmox VE it replaces the user data PVE makes, so O(cloud_init.user), O(cloud_init.password) and
            O(cloud_init.ssh_keys) given with it reach the guest only if the document sets them itself (a warning
            says so).
        type: str
      upgrade:
        description:
          - Whether the guest upgrades all its packages at its first boot (cloud-init's C(package_upgrade)).
          - On Proxmox VE it is written as C(ciupgrade), which PVE otherwise takes as true; so a VM made before this
            option existed reports one change (C(ciupgrade=0)) on its next run with O(cloud_init).
          - On oVirt and libvirt V(true) is refused in one line (set C(package_upgrade) to V(true) in
            O(cloud_init.user_data) instead); V(false) is cloud-init's default there and writes nothing.
        type: bool
        default: false
  wait:
    description:
      - Wait for hypervisor tasks and for the resulting power state. Creation always waits for the clone.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each step (clone, reconfiguration, power action, removal) and for a VM lock to clear.
    type: int
    default: 600
  force:
    description:
      - Power off hard instead of a graceful shutdown for O(state=stopped) and O(state=absent), and stop and start
        instead of a reboot for O(state=restarted).
    type: bool
    default: false
  pureboot_node:
    description:
      - How the VM is registered as a PureBoot node, when O(pureboot) is given.
      - The node is the VM's first NIC MAC, with the VM's name as hostname, its SMBIOS UUID as C(system_uuid), and
        a boot mode from its firmware. A node that already exists for that MAC (PureBoot registers every MAC that
        PXE-boots) is adopted; a retired one is brought back to C(discovered).
      - Hostname, group, workflow and tags are kept in line on later runs. PureBoot cannot change a node's
        architecture or boot mode; a difference there is reported as a warning, not pretended away.
    type: dict
    suboptions:
      register:
        description:
          - Register the VM as a node and keep it in line. With V(false) the node with the MAC of one of the VM's
            NICs is only reported (its SMBIOS UUID only confirms one of several, never replaces the MAC).
        type: bool
        default: true
      hostname:
        description: Hostname of the node. Defaults to the VM's name.
        type: str
      group:
        description: PureBoot group of the node, by name or id.
        type: str
      group_id:
        description: PureBoot group id of the node (instead of O(pureboot_node.group)). An empty string clears it.
        type: str
      workflow_id:
        description: Workflow the node installs with (a workflow file name without extension). An empty string clears it.
        type: str
      tags:
        description: Tags of the node; when given the list is authoritative.
        type: list
        elements: str
      arch:
        description: Architecture of a new node.
        type: str
        choices: [x86_64, arm64, aarch64]
        default: x86_64
      on_absent:
        description: With O(state=absent), V(retire) the node (PureBoot keeps retired nodes) or V(keep) it as it is.
        type: str
        choices: [retire, keep]
        default: retire
      install:
        description:
          - Queue the node's install. Registering a node installs nothing (PureBoot answers the PXE boot of a
            C(discovered) node with "boot from the local disk"); a C(pending) node gets its workflow's install
            script at its next PXE boot.
          - Moves the node from C(discovered), C(install_failed) or C(reprovision) to C(pending); does nothing in
            C(pending), C(installing), C(installed), C(active) (and C(cloning_target), C(migrating),
            C(serving_source)); fails in one line for a node being deprovisioned or retired.
          - PureBoot refuses to queue an C(install_failed) node again once it used its 3 install attempts; the
            task then fails in one line with the attempts and the installer's last error, unless
            O(pureboot_node.force_install=true).
          - Needs O(pureboot_node.workflow_id) and O(pureboot_node.register=true). The node is registered and
            queued before the VM is started, so its first PXE boot already gets the install script.
        type: bool
        default: false
      reinstall:
        description:
          - Queue the install again on a node that is C(installed) or C(active), through C(reprovision) to
            C(pending) (PureBoot refuses C(active) to C(pending) directly). Otherwise as O(pureboot_node.install).
          - Reports a change on every run that queues, as O(state=restarted) does; leave it off once installed.
        type: bool
        default: false
      force_install:
        description:
          - Queue an C(install_failed) node whose 3 install attempts are used (a forced state change, which resets
            its attempts). Only with O(pureboot_node.install) or O(pureboot_node.reinstall); fix the cause first.
        type: bool
        default: false
      wait_for:
        description:
          - Once the VM runs, wait until its node is V(installed) (an C(active) node counts too) or V(active)
            (the installed system reported its first boot). Polls the node, at first every second, then less
            often, up to every 10 seconds.
          - Needs O(state=running) or O(state=restarted), since a stopped VM never boots into its install; any other
            state fails in one line before anything is written.
          - Fails in one line when the node reaches C(install_failed) (with the attempts and the installer's last
            error) or C(retired), or when O(pureboot_node.wait_timeout) passes (with the states seen).
          - A node that is there already is not waited for, so a second run returns at once. Nothing is awaited in
            check mode.
        type: str
        choices: [installed, active]
      wait_timeout:
        description: Seconds to wait for O(pureboot_node.wait_for).
        type: int
        default: 3600
      adopt:
        description:
          - What to do with a node found by the MAC of one of the VM's NICs whose C(system_uuid) is set and differs
            from the VM's SMBIOS UUID. Such a node belongs to another machine (anyone who may set a NIC's MAC can copy
            that of a server PureBoot knows).
          - V(matching) fails with a C(conflict) naming the node, and writes nothing to it; with O(state=absent) it
            is never retired (a warning says so).
          - V(always) takes the node over for this VM (hostname, SMBIOS UUID, workflow ...), with a warning.
          - A node this collection retired (its VM removed) has no C(system_uuid) any more, so a VM re-created with
            its MAC brings it back without V(always).
        type: str
        choices: [matching, always]
        default: matching
attributes:
  check_mode:
    support: full
    details:
      - Only read requests are sent to the hypervisor and PureBoot, and every check of the real run is made.
      - RV(vm) is the record the real run returns, but for what the hypervisor assigns (C(id), C(uuid), MACs are
        null); for a new VM RV(pureboot_node) previews its node with a null C(mac_address).
  diff_mode:
    support: full
notes:
  - Proxmox VE applies a running VM's hardware changes at once where the VM's C(hotplug) features allow it (by
    default NIC changes and new SCSI or VirtIO disks; memory only with C(memory) in C(hotplug); a NIC's bridge or
    VLAN even with C(hotplug) C(0)) and keeps the rest (cores, sockets, CPU model, firmware, boot order, OS type) pending
    until its next start; the module warns of those, and O(state=restarted) applies them at once. On libvirt such a
    change goes into the domain's persistent definition, which a running domain takes at its next start; the module
    warns the same way. So does oVirt, with its next-run configuration, but for NICs, which it changes at once (a NIC
    whose model or MAC changes is unplugged and plugged back).
  - Every read-only precondition is checked before the first write, in check mode too, namely the template, node,
    cluster, storage, pool, each NIC's bridge (or SDN vnet), vNIC profile or libvirt network and model, the boot devices,
    the tags, and with O(pureboot) the login and the group. PureBoot cannot list workflows, so
    O(pureboot_node.workflow_id) is stored as given. A Proxmox user who may not read a node's networks gets a warning
    and the bridge is not checked.
  - On libvirt a template is a shut-off domain whose metadata holds
    C(<pbh:template xmlns:pbh="https://pureboot.io/xmlns/hypervisors/1"/>); a new VM gets copies (or overlays) of its
    disk volumes, a new UUID and new MACs. Tags live in the domain's metadata, the description in its description.
  - On libvirt, V(stopped) presses the ACPI power button (again every few seconds, until the guest's OS acts on it),
    O(force=true) stops the domain at once, and V(restarted) is a shutdown and a start, so a changed definition
    takes effect.
  - When the VM step succeeds and PureBoot fails, the task fails with RV(vm) in its result and a message saying the
    VM is in place; a re-run converges without creating another VM.
"""
