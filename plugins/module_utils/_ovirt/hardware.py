# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The VM's own fields of a hardware change, as the bodies of `PUT /vms/{id}`; no request here."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.disks import CPU_HOST, topology_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.rules import runs, sockets_and_cores
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import otypes

MIB = 1024**2
BOOT_DEVICE = {'hd': 'disk', 'network': 'network', 'cdrom': 'cdrom'}


def cpu_body(cpu_type, topology=None):
    """An SDK Cpu: host passthrough for cpu_type 'host'; a custom model otherwise (with Vm.custom_cpu_model);
    None keeps the mode."""
    cpu = otypes.Cpu(topology=topology)
    if cpu_type == CPU_HOST:
        cpu.mode = otypes.CpuMode.HOST_PASSTHROUGH
    elif cpu_type:
        # Any mode but host passthrough turns the engine's flag off (VmBaseMapper); the model is the VM's own.
        cpu.mode = otypes.CpuMode.CUSTOM
    return cpu


def boot_devices(order):
    engine = {word: device for device, word in BOOT_DEVICE.items()}
    return [otypes.BootDevice(engine[device]) for device in order]


def _topology(current, changes, hypervisor, subject):
    """The CPU topology the changes ask for, keeping the VM's sockets and threads where the total allows."""
    topology = current.cpu.topology if current.cpu is not None and current.cpu.topology else otypes.CpuTopology()
    sockets, threads = topology.sockets or 1, topology.threads or 1
    total = int(changes['cpu_cores']['after']) if 'cpu_cores' in changes else sockets * (topology.cores or 1) * threads
    if 'cpu_sockets' in changes:
        wanted = int(changes['cpu_sockets']['after'])
        found = topology_for(total, wanted, threads)
        if found is None:
            raise InvalidInputError(
                "cpu_sockets {0} does not divide the VM's {1} virtual CPUs; give cpu_cores (the total) too".format(wanted, total),
                hypervisor=hypervisor,
                subject=subject,
            )
    else:
        # The engine's cap on cores per socket (rules.py) decides when the VM's own sockets do not fit.
        found = sockets_and_cores(total, sockets, threads)
    return otypes.CpuTopology(sockets=found[0], cores=found[1], threads=found[2])


def vm_update(current, changes, hypervisor=None, subject=None):
    """The PUT body for the VM's own fields in changes (current: the SDK VM), or None when there are none."""
    update = otypes.Vm()
    touched = False
    if 'cpu_cores' in changes or 'cpu_sockets' in changes or 'cpu_type' in changes:
        topology = _topology(current, changes, hypervisor, subject) if 'cpu_cores' in changes or 'cpu_sockets' in changes else None
        wanted_type = changes['cpu_type']['after'] if 'cpu_type' in changes else None
        update.cpu = cpu_body(wanted_type, topology)
        if wanted_type and wanted_type != CPU_HOST:
            update.custom_cpu_model = wanted_type
        touched = True
    if 'memory_mb' in changes:
        memory = int(changes['memory_mb']['after']) * MIB
        policy = current.memory_policy
        # The engine refuses guaranteed memory above the memory, and memory above the maximum.
        guaranteed = min(policy.guaranteed, memory) if policy is not None and policy.guaranteed else memory
        maximum = max(policy.max, memory) if policy is not None and policy.max else memory * 4
        update.memory = memory
        update.memory_policy = otypes.MemoryPolicy(guaranteed=guaranteed, max=maximum)
        touched = True
    if 'boot_order' in changes or 'os_type' in changes:
        update.os = otypes.OperatingSystem(
            boot=otypes.Boot(devices=boot_devices(changes['boot_order']['after'])) if 'boot_order' in changes else None,
            type=changes['os_type']['after'] if 'os_type' in changes else None,
        )
        touched = True
    if 'firmware' in changes:
        update.bios = otypes.Bios(type=bios_type(changes['firmware']['after']))
        touched = True
    if 'description' in changes:
        update.description = changes['description']['after'] or ''
        touched = True
    return update if touched else None


def vm_updates(current, changes, hypervisor=None, subject=None):
    """The PUTs for the VM's own fields in changes, as (body, next_run) pairs, all made before any is sent (a refusal
    comes before the first write); [] when there are none.

    A running VM's memory goes in a PUT of its own with next_run: it takes the new size at its next start, as every
    type's running VMs take their hardware changes (the module warns so). Without next_run the engine hot-plugs an
    increase at once, and refuses one that is not a multiple of 128 MiB on x86 (UpdateVmCommand,
    ArchitectureType.HOTPLUG_MEMORY_FACTOR_*: "Amount of added memory ... is not dividable"). The other fields keep
    the PUT without next_run, which changes the description at once; the engine keeps the rest for the next start.
    The driver reads the next-run configuration back, so a second run sees nothing to do."""
    if 'memory_mb' not in changes or not runs(current):
        update = vm_update(current, changes, hypervisor, subject)
        return [(update, None)] if update is not None else []
    others = vm_update(current, {key: change for key, change in changes.items() if key != 'memory_mb'}, hypervisor, subject)
    memory = vm_update(current, {'memory_mb': changes['memory_mb']}, hypervisor, subject)
    return ([(others, None)] if others is not None else []) + [(memory, True)]


def bios_type(firmware):
    return otypes.BiosType.Q35_OVMF if firmware == 'uefi' else otypes.BiosType.Q35_SEA_BIOS
