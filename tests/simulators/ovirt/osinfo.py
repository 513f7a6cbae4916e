"""The operating systems of the simulated engine (``GET /operatingsystems``) and what the engine makes of an OS name.

The table holds the facts of ovirt-engine's ``packaging/conf/osinfo-defaults.properties`` (the OS list of an engine
with no osinfo of its own added): each OS's id (``os.<name>.id.value``), its unique name (the key), its name
(``os.<name>.name.value``, the API's ``description``), its CPU architecture and TPM support, both inherited along
``derivedFrom`` as OsRepositoryImpl resolves them.

A VM's ``os.type`` is an OS name. The REST layer turns it into an OS id (VmBaseMapper.map -> VmMapper.mapOsType ->
OsRepositoryImpl.getOsIdByUniqueName): a unique name, then a name of ``backwardCompatibility.*`` (the 3.x enum's),
compared exactly (case counts); anything else is id 0, ``other``. No fault says so: the engine stores ``other`` and
answers it from then on. AddVmCommand.validate and UpdateVmCommand.validate then refuse an OS of another
architecture than the cluster's (VmHandler.isOsTypeSupported, VmValidationUtils.isOsTypeSupported:
ACTION_TYPE_FAILED_ILLEGAL_OS_TYPE_IS_NOT_SUPPORTED_BY_ARCHITECTURE_TYPE, 409).
"""

from ovirtsdk4 import types

# (id, unique name, name, architecture, TPM support), as osinfo-defaults.properties has them (ovirt-engine 4.5).
OPERATING_SYSTEMS = (
    (0, 'other', 'Other OS', 'x86_64', 'unsupported'),
    (1, 'windows_xp', 'Windows XP', 'x86_64', 'unsupported'),
    (3, 'windows_2003', 'Windows 2003', 'x86_64', 'unsupported'),
    (4, 'windows_2008', 'Windows 2008', 'x86_64', 'unsupported'),
    (5, 'other_linux', 'Linux', 'x86_64', 'unsupported'),
    (7, 'rhel_5', 'Red Hat Enterprise Linux 5.x', 'x86_64', 'unsupported'),
    (8, 'rhel_4', 'Red Hat Enterprise Linux 4.x', 'x86_64', 'unsupported'),
    (9, 'rhel_3', 'Red Hat Enterprise Linux 3.x', 'x86_64', 'unsupported'),
    (10, 'windows_2003x64', 'Windows 2003 x64', 'x86_64', 'unsupported'),
    (11, 'windows_7', 'Windows 7', 'x86_64', 'unsupported'),
    (12, 'windows_7x64', 'Windows 7 x64', 'x86_64', 'unsupported'),
    (13, 'rhel_5x64', 'Red Hat Enterprise Linux 5.x x64', 'x86_64', 'unsupported'),
    (14, 'rhel_4x64', 'Red Hat Enterprise Linux 4.x x64', 'x86_64', 'unsupported'),
    (15, 'rhel_3x64', 'Red Hat Enterprise Linux 3.x x64', 'x86_64', 'unsupported'),
    (16, 'windows_2008x64', 'Windows 2008 x64', 'x86_64', 'unsupported'),
    (17, 'windows_2008R2x64', 'Windows 2008 R2 x64', 'x86_64', 'unsupported'),
    (18, 'rhel_6', 'Red Hat Enterprise Linux 6.x', 'x86_64', 'unsupported'),
    (19, 'rhel_6x64', 'Red Hat Enterprise Linux 6.x x64', 'x86_64', 'unsupported'),
    (20, 'windows_8', 'Windows 8', 'x86_64', 'supported'),
    (21, 'windows_8x64', 'Windows 8 x64', 'x86_64', 'supported'),
    (23, 'windows_2012x64', 'Windows 2012 x64', 'x86_64', 'supported'),
    (24, 'rhel_7x64', 'Red Hat Enterprise Linux 7.x x64', 'x86_64', 'supported'),
    (25, 'windows_2012R2x64', 'Windows 2012R2 x64', 'x86_64', 'supported'),
    (26, 'windows_10', 'Windows 10', 'x86_64', 'supported'),
    (27, 'windows_10x64', 'Windows 10 x64', 'x86_64', 'supported'),
    (28, 'rhel_atomic7x64', 'Red Hat Atomic 7.x x64', 'x86_64', 'supported'),
    (29, 'windows_2016x64', 'Windows 2016 x64', 'x86_64', 'supported'),
    (30, 'rhel_8x64', 'Red Hat Enterprise Linux 8.x x64', 'x86_64', 'supported'),
    (31, 'windows_2019x64', 'Windows 2019 x64', 'x86_64', 'supported'),
    (33, 'other_linux_kernel_4', 'Other Linux (kernel 4.x)', 'x86_64', 'supported'),
    (34, 'rhel_9x64', 'Red Hat Enterprise Linux 9.x x64', 'x86_64', 'supported'),
    (35, 'rhcos_x64', 'Red Hat Enterprise Linux CoreOS', 'x86_64', 'supported'),
    (36, 'windows_11', 'Windows 11', 'x86_64', 'required'),
    (37, 'windows_2022', 'Windows 2022', 'x86_64', 'supported'),
    (38, 'windows_2025', 'Windows 2025', 'x86_64', 'supported'),
    (39, 'rhel_10x64', 'Red Hat Enterprise Linux 10.x x64', 'x86_64', 'supported'),
    (1001, 'other_ppc64', 'Other OS', 'ppc64', 'unsupported'),
    (1002, 'other_linux_ppc64', 'Linux', 'ppc64', 'unsupported'),
    (1003, 'rhel_6_ppc64', 'Red Hat Enterprise Linux up to 6.8', 'ppc64', 'unsupported'),
    (1004, 'sles_11_ppc64', 'SUSE Linux Enterprise Server 11', 'ppc64', 'unsupported'),
    (1005, 'ubuntu_14_04_ppc64', 'Ubuntu Trusty Tahr LTS+', 'ppc64', 'unsupported'),
    (1006, 'rhel_7_ppc64', 'Red Hat Enterprise Linux 7.x', 'ppc64', 'supported'),
    (1007, 'rhel_6_9_plus_ppc64', 'Red Hat Enterprise Linux 6.9+', 'ppc64', 'unsupported'),
    (1008, 'rhel_8_ppc64', 'Red Hat Enterprise Linux 8.x', 'ppc64', 'supported'),
    (1009, 'rhel_9_ppc64', 'Red Hat Enterprise Linux 9.x', 'ppc64', 'supported'),
    (1193, 'sles_11', 'SUSE Linux Enterprise Server 11+', 'x86_64', 'unsupported'),
    (1252, 'ubuntu_12_04', 'Ubuntu Precise Pangolin LTS', 'x86_64', 'unsupported'),
    (1253, 'ubuntu_12_10', 'Ubuntu Quantal Quetzal', 'x86_64', 'unsupported'),
    (1254, 'ubuntu_13_04', 'Ubuntu Raring Ringtails', 'x86_64', 'unsupported'),
    (1255, 'ubuntu_13_10', 'Ubuntu Saucy Salamander', 'x86_64', 'unsupported'),
    (1256, 'ubuntu_14_04', 'Ubuntu Trusty Tahr LTS+', 'x86_64', 'unsupported'),
    (1257, 'ubuntu_18_04', 'Ubuntu Bionic Beaver LTS+', 'x86_64', 'unsupported'),
    (1300, 'debian_7', 'Debian 7+', 'x86_64', 'unsupported'),
    (1301, 'debian_9', 'Debian 9+', 'x86_64', 'unsupported'),
    (1500, 'freebsd', 'FreeBSD 9.2', 'x86_64', 'unsupported'),
    (1501, 'freebsdx64', 'FreeBSD 9.2 x64', 'x86_64', 'unsupported'),
    (2001, 'other_s390x', 'Other OS', 's390x', 'unsupported'),
    (2002, 'other_linux_s390x', 'Linux', 's390x', 'unsupported'),
    (2003, 'rhel_7_s390x', 'Red Hat Enterprise Linux 7.x', 's390x', 'supported'),
    (2004, 'sles_12_s390x', 'SUSE Linux Enterprise Server 12', 's390x', 'unsupported'),
    (2005, 'ubuntu_16_04_s390x', 'Ubuntu Xenial Xerus LTS+', 's390x', 'unsupported'),
)
# osinfo-defaults.properties backwardCompatibility.<old name> = <OS id>: the names the 3.x API's OsType enum had.
BACKWARD_COMPATIBLE = {
    'Unassigned': 0,
    'Other': 0,
    'OtherLinux': 5,
    'REHL3': 9,
    'RHEL3x64': 15,
    'RHEL4': 8,
    'RHEL4x64': 14,
    'RHEL5': 7,
    'RHEL5x64': 13,
    'RHEL6': 18,
    'RHEL6x64': 19,
    'WindowsXP': 1,
    'Windows2003': 3,
    'Windows2008': 4,
    'Windows2003x64': 10,
    'Windows7': 11,
    'Windows7x64': 12,
    'Windows2008x64': 16,
    'Windows2008R2x64': 17,
    'Windows8': 20,
    'Windows8x64': 21,
    'Windows2012x64': 23,
}

BY_ID = {number: (name, text, arch, tpm) for number, name, text, arch, tpm in OPERATING_SYSTEMS}
BY_NAME = {name: number for number, name, _text, _arch, _tpm in OPERATING_SYSTEMS}
OTHER = 0


def os_info(number, api):
    """The OperatingSystemInfo of an OS id, its href under the API path api (BackendOperatingSystemsResource.list:
    id, name, description, architecture, tpm_support; the engine adds icons, which the simulator leaves out)."""
    name, text, arch, tpm = BY_ID[number]
    info = types.OperatingSystemInfo(id=str(number), name=name, description=text, architecture=types.Architecture(arch), tpm_support=types.TpmSupport(tpm))
    info.href = '%s/operatingsystems/%d' % (api, number)
    return info


def os_id(name):
    """The OS id the engine stores for the OS name a client sent: OsRepositoryImpl.getOsIdByUniqueName, 0 (other)
    for a name it does not know. VmMapper.mapOsType sends 'unassigned' (any case) as 'OTHER', also 0."""
    if name in BY_NAME:
        return BY_NAME[name]
    return BACKWARD_COMPATIBLE.get(name, OTHER)


def stored_name(name):
    """The OS name a VM reads back as after the engine took the name a client sent."""
    return BY_ID[os_id(name)][0]


def display_name(name):
    """The OS's name for people (osinfo's name.value), as the engine's messages name it."""
    return BY_ID[os_id(name)][1]


def architecture(name):
    return BY_ID[os_id(name)][2]


def known(name):
    """Whether the OS name is one of the engine's own (a seed must use one: the engine answers no other)."""
    return name in BY_NAME
