#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pureboot_vm
short_description: Create, reconfigure, power and remove a VM on Proxmox VE, oVirt/RHV or libvirt/KVM
version_added: 0.1.0
description:
  - Brings one virtual machine to the requested O(state) on the hypervisor given by O(hypervisor).
  - A VM that does not exist is created from O(template) with the given placement and hardware, and left stopped
    unless O(state=running).
  - Without O(template) a new VM is created blank, from O(disks), O(networks) and the other hardware options, to be
    installed over the network (PXE) by PureBoot.
  - On later runs the hardware options that are given are compared with the VM and only the differences are written,
    so a second run with the same options reports no change.
  - The same options give the same results on Proxmox VE, on oVirt/RHV and on libvirt/KVM.
author:
  - PureBoot contributors (@pureboot)
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
extends_documentation_fragment:
  - pureboot.hypervisors.hypervisor
  - pureboot.hypervisors.pureboot
  - pureboot.hypervisors.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
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
seealso:
  - module: pureboot.hypervisors.pureboot_vm_info
  - module: pureboot.hypervisors.pureboot_vm_template_info
"""

EXAMPLES = r"""
- name: Create a VM from a template and start it
  pureboot.hypervisors.pureboot_vm:
    hypervisor:
      type: proxmox
      api_url: "{{ pve_api_url }}"  # https://pve1.example.com:8006
      username: root@pam
      password: "{{ vault_pve_password }}"
    name: web-01
    template: ubuntu-2404-tpl
    node: pve1
    cpu_cores: 2
    memory_mb: 4096
    networks:
      - network: vmbr0
        vlan: 20
    tags: [web, lab]
    state: running

- name: Boot a VM from the network into PureBoot
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    name: web-01
    pxe_boot: true
    state: restarted

- name: Create a VM, register it in PureBoot and boot it into a workflow
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    pureboot:
      url: "{{ pureboot_url }}"  # https://pureboot.example.com
      api_key: "{{ vault_pureboot_api_key }}"
    name: web-02
    template: ubuntu-2404-tpl
    pxe_boot: true
    pureboot_node:
      workflow_id: ubuntu-2404-server
      tags: [web]
    state: running
  register: web02

- name: Create a VM, register it, queue its install and wait until PureBoot has installed it
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    pureboot:
      url: "{{ pureboot_url }}"
      api_key: "{{ vault_pureboot_api_key }}"
    name: web-03
    template: ubuntu-2404-tpl
    pxe_boot: true
    pureboot_node:
      workflow_id: ubuntu-2404-server
      install: true
      wait_for: installed
      wait_timeout: 1800
    state: running
  register: web03  # web03.pureboot_wait.states_seen: [pending, installing, installed]

- name: Create a VM from a ready image, configured by cloud-init at its first boot
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    name: app-01
    template: ubuntu-2404-tpl
    networks:
      - network: vmbr0
    cloud_init:
      user: deploy
      password: "{{ vault_deploy_password }}"
      ssh_keys:
        - "{{ lookup('ansible.builtin.file', 'files/deploy.pub') }}"
      ip_config:
        - address: 192.0.2.10/24
          gateway: 192.0.2.1
      nameservers: [192.0.2.53]
      search_domains: [lab.example.com]
    state: running

- name: Remove the VM, powering it off hard
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    name: web-01
    state: absent
    force: true
"""

RETURN = r"""
vm:
  description:
    - The VM's normalised record after the task, the same keys for every hypervisor type.
    - In check mode, the record the VM would have. With O(state=absent), the record it had before removal (empty
      when there was no such VM).
  returned: always
  type: dict
  contains:
    id:
      description: Proxmox VMID, oVirt UUID or libvirt domain UUID, as a string.
      type: str
      sample: '101'
    name:
      description: Name of the VM.
      type: str
      sample: web-01
    hypervisor:
      description: Name of the hypervisor connection.
      type: str
      sample: pve-lab
    hypervisor_type:
      description: V(proxmox), V(ovirt) or V(libvirt).
      type: str
      sample: proxmox
    status:
      description: One of V(running), V(stopped), V(paused), V(suspended), V(starting), V(stopping), V(locked),
        V(unknown).
      type: str
      sample: running
    node:
      description: Proxmox node, oVirt host or libvirt host the VM is on.
      type: str
      sample: pve1
    cluster:
      description: oVirt cluster of the VM.
      type: str
    cpu_cores:
      description: Number of virtual CPUs.
      type: int
      sample: 2
    memory_mb:
      description: Memory in MiB.
      type: int
      sample: 4096
    nics:
      description: NICs in order, each with C(name), C(mac) (lowercase, colon-separated), C(network), C(model),
        C(vlan).
      type: list
      elements: dict
    disks:
      description: Disks in bus order (the first is the boot disk), each with C(name) (Proxmox V(scsi0), libvirt
        V(vda), the oVirt disk's name), C(size_gb) (whole GiB, a part rounded up), C(storage), C(interface).
      type: list
      elements: dict
    ip_addresses:
      description: Addresses the guest reports.
      type: list
      elements: str
    uuid:
      description: SMBIOS UUID of the VM.
      type: str
    template:
      description: Whether this is a template.
      type: bool
    boot_order:
      description: Boot devices in order.
      type: list
      elements: str
      sample: [network, disk]
    firmware:
      description: V(bios) or V(uefi).
      type: str
    os_type:
      description: Guest OS type as the hypervisor names it.
      type: str
    cpu_sockets:
      description: CPU sockets the virtual CPUs are spread over.
      type: int
    cpu_type:
      description: CPU model, V(host) for the host's CPU passed through.
      type: str
    start_on_boot:
      description: Whether the VM starts with its host; null on oVirt, which has no such setting.
      type: bool
    tags:
      description: Tags of the VM.
      type: list
      elements: str
    description:
      description: Description of the VM.
      type: str
cloud_init:
  description:
    - The VM's cloud-init settings after the task (in check mode, the settings it would have), redacted.
    - C(password) is a mask when a password is set, else null; C(ssh_keys) are fingerprints (C(ssh-ed25519
      SHA256:...)); C(user_data) is C(sha256:) and the first 16 hex digits of the document's SHA-256.
  returned: when O(cloud_init) is given and O(state) is not V(absent)
  type: dict
  sample: {user: deploy, password: '********', ssh_keys: ['ssh-ed25519 SHA256:n1pB6Xk...'],
           ip_config: [{address: 192.0.2.10/24, gateway: 192.0.2.1, address6: null, gateway6: null}],
           nameservers: [192.0.2.53], search_domains: [lab.example.com], user_data: null}
pureboot_node:
  description:
    - The VM's PureBoot node after the task, when O(pureboot) is given; in check mode the node it would have.
    - With O(state=absent), the node as retired (or kept).
  returned: when O(pureboot) is given
  type: dict
  contains:
    id:
      description: Node id (a UUID).
      type: str
    mac_address:
      description: The VM's first NIC MAC, lowercase.
      type: str
      sample: bc:24:11:5e:0a:01
    hostname:
      description: Hostname of the node.
      type: str
    state:
      description: PureBoot state, for example V(discovered), V(installing), V(active), V(retired).
      type: str
    system_uuid:
      description: SMBIOS UUID of the VM.
      type: str
    arch:
      description: Architecture.
      type: str
    boot_mode:
      description: V(bios) or V(uefi).
      type: str
    group_id:
      description: PureBoot group id.
      type: str
    workflow_id:
      description: Workflow of the node.
      type: str
    tags:
      description: Tags of the node.
      type: list
      elements: str
pureboot_install:
  description:
    - What O(pureboot_node.install) or O(pureboot_node.reinstall) did (in check mode, would do).
  returned: when O(pureboot) is given with O(pureboot_node.install) or O(pureboot_node.reinstall)
  type: dict
  contains:
    queued:
      description: Whether the install was queued (the node's state changed).
      type: bool
    from_state:
      description: The node's state before.
      type: str
      sample: discovered
    transitions:
      description: The states the node was moved to, in order.
      type: list
      elements: str
      sample: [pending]
    forced:
      description: Whether the change was forced (O(pureboot_node.force_install)).
      type: bool
    why:
      description: What it came down to, in words.
      type: str
      sample: queued from discovered
pureboot_wait:
  description:
    - The wait for O(pureboot_node.wait_for). When a wait fails, the same dictionary is in the failed result's
      C(error_details).
  returned: when O(pureboot_node.wait_for) is given, not in check mode
  type: dict
  contains:
    state:
      description: The state waited for.
      type: str
      sample: installed
    states_seen:
      description: The node's states as the polls saw them, each once, in order.
      type: list
      elements: str
      sample: [pending, installing, installed]
    seconds:
      description: How long the wait took.
      type: int
      sample: 48
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import cloud_init_suboptions
from ansible_collections.pureboot.hypervisors.plugins.module_utils._module import run_module
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import hypervisor_argument_spec
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import pureboot_argument_spec, pureboot_node_suboptions
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import BOOT_DEVICES, CLONE_MODES, DISK_INTERFACES, FIRMWARES
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import STATES, ensure_vm_and_node


def main():
    argument_spec = hypervisor_argument_spec()
    argument_spec.update(
        name=dict(type='str'),
        id=dict(type='str'),
        state=dict(type='str', default='present', choices=list(STATES)),
        template=dict(type='str'),
        node=dict(type='str'),
        cluster=dict(type='str'),
        storage=dict(type='str'),
        pool=dict(type='str'),
        clone_mode=dict(type='str', default='full', choices=list(CLONE_MODES)),
        cpu_cores=dict(type='int'),
        memory_mb=dict(type='int'),
        networks=dict(
            type='list', elements='dict', options=dict(network=dict(type='str'), vlan=dict(type='int'), model=dict(type='str'), mac=dict(type='str'))
        ),
        boot_order=dict(type='list', elements='str', choices=list(BOOT_DEVICES)),
        firmware=dict(type='str', choices=list(FIRMWARES)),
        description=dict(type='str'),
        disks=dict(
            type='list',
            elements='dict',
            options=dict(size_gb=dict(type='int', required=True), storage=dict(type='str'), interface=dict(type='str', choices=list(DISK_INTERFACES))),
        ),
        os_type=dict(type='str'),
        cpu_sockets=dict(type='int'),
        cpu_type=dict(type='str'),
        start_on_boot=dict(type='bool'),
        tags=dict(type='list', elements='str'),
        pxe_boot=dict(type='bool'),
        cloud_init=dict(type='dict', options=cloud_init_suboptions()),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
        force=dict(type='bool', default=False),
        pureboot_node=dict(type='dict', options=pureboot_node_suboptions()),
    )
    argument_spec.update(pureboot_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, required_one_of=[('name', 'id')], supports_check_mode=True)
    run_module(module, lambda driver, client: ensure_vm_and_node(driver, client, module.params, module.check_mode))


if __name__ == '__main__':
    main()
