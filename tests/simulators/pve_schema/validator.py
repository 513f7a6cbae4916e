"""Checks a Proxmox VE API request against PVE's published API schema, as PVE's own API server checks it.

The schema is the trimmed copy of pve-docs' api-viewer/apidata.js beside this file (pve-api-trimmed.json, see
refresh.py and README.md). The checks follow pve-common's PVE/JSONSchema.pm: check_prop (type, format, pattern,
maxLength/minLength, maximum/minimum, enum), check_object (unknown parameters refused, `requires`, aliases) and
parse_property_string (comma-separated `key=value` strings such as net0, with their default key and key aliases).
The named formats (`format => 'pve-vmid'`) are written here from the functions that register them; their source is
named beside each. A format this module does not know is itself reported, so nothing passes unchecked.

check(method, path, values) -> [(parameter, message)], empty when PVE would accept the parameters.
"""

import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_FILE = os.path.join(HERE, 'pve-api-trimmed.json')
API_PREFIXES = ('/api2/json', '/api2/extjs')

# ---------------------------------------------------------------- regexes of pve-common (PVE/ParseUtils.pm)
_IPV4OCTET = r'(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])'
IPV4RE = r'(?:(?:{0}\.){{3}}{0})'.format(_IPV4OCTET)
_H16 = r'(?:[0-9a-fA-F]{1,4})'
_LS32 = r'(?:(?:{0}|{1}:{1}))'.format(IPV4RE, _H16)
IPV6RE = (
    (
        '(?:'
        '(?:(?:(?:H:){6})L)|'
        '(?:(?:::(?:H:){5})L)|'
        '(?:(?:(?:H)?::(?:H:){4})L)|'
        '(?:(?:(?:(?:H:){0,1}H)?::(?:H:){3})L)|'
        '(?:(?:(?:(?:H:){0,2}H)?::(?:H:){2})L)|'
        '(?:(?:(?:(?:H:){0,3}H)?::(?:H:){1})L)|'
        '(?:(?:(?:(?:H:){0,4}H)?::)L)|'
        '(?:(?:(?:(?:H:){0,5}H)?::)H)|'
        '(?:(?:(?:(?:H:){0,6}H)?::))'
        ')'
    )
    .replace('H', _H16)
    .replace('L', _LS32)
)
CONFIGID_RE = r'[a-z][a-z0-9_-]+'  # PVE::JSONSchema $CONFIGID_RE (case-insensitive)
TAG_RE = r'[a-z0-9_][a-z0-9_\-+.]*'  # PVE::JSONSchema $PVE_TAG_RE (case-insensitive)
DNS_LABEL = r'([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)'

# How many of each indexed parameter (`net[n]` in the schema) PVE has: qemu-server's constants.
INDEXED = {
    'net': 32,
    'ipconfig': 32,  # PVE/QemuServer.pm $MAX_NETS
    'ide': 4,
    'scsi': 31,
    'virtio': 16,
    'sata': 6,
    'unused': 256,  # PVE/QemuServer/Drive.pm $MAX_*_DISKS
    'usb': 14,  # PVE/QemuServer/USB.pm $MAX_USB_DEVICES
    'hostpci': 16,  # PVE/QemuServer/PCI.pm $MAX_HOSTPCI_DEVICES
    'numa': 8,  # PVE/QemuServer/Memory.pm $MAX_NUMA
    'serial': 4,
    'parallel': 3,  # PVE/QemuServer.pm $MAX_SERIAL_PORTS, $MAX_PARALLEL_PORTS
    'virtiofs': 10,  # PVE/QemuServer/Virtiofs.pm $MAX_VIRTIOFS
}


class FormatError(Exception):
    """A value a format refuses; the text is PVE's."""


def _fullmatch(pattern, value, flags=0):
    return re.fullmatch(pattern, value, flags) is not None


def split_list(text):
    """PVE::ParseUtils::split_list: NUL-separated, else on commas, semicolons and whitespace."""
    text = text or ''
    if '\0' in text:
        return text.split('\0')
    return re.sub(r'[,;]', ' ', text).split()


def parse_size(value):
    """PVE::JSONSchema::parse_size: bytes of `12`, `1.5G`, `512MiB`, or None."""
    found = re.fullmatch(r'(\d+(\.\d+)?)([KMGT](?:iB)?)?', value)
    if not found:
        return None
    units = {'K': 1, 'M': 2, 'G': 3, 'T': 4}
    return int(float(found.group(1)) * 1024 ** units.get((found.group(3) or ' ')[0], 0))


# ------------------------------------------------------------------- named formats: one function per format
def _regex_format(pattern, message, flags=0):
    def verify(value):
        if not _fullmatch(pattern, value, flags):
            raise FormatError(message.format(value))

    return verify


def _parse_id(kind):
    # PVE::JSONSchema::parse_id
    def verify(value):
        if len(value) < 2:
            raise FormatError("{0} ID '{1}' cannot be shorter than 2 characters".format(kind, value))
        if not _fullmatch(r'[a-z][a-z0-9\-_.]*[a-z0-9]', value, re.I):
            raise FormatError("{0} ID '{1}' contains illegal characters".format(kind, value))

    return verify


def _cidr(version):
    # PVE::JSONSchema::pve_verify_cidrv4 / pve_verify_cidrv6: the prefix is > 7 and <= 32 / 128.
    address, top = (IPV4RE, 32) if version == 4 else (IPV6RE, 128)

    def matches(value):
        found = re.fullmatch('(?:{0})/(\\d+)'.format(address), value)
        return bool(found) and 7 < int(found.group(1)) <= top

    return matches


def _verify_cidr(value):
    if not (_cidr(4)(value) or _cidr(6)(value)):
        raise FormatError('value does not look like a valid CIDR network')


def _verify_ipv4_config(value):
    # PVE::JSONSchema::pve_verify_ipv4_config
    if value not in ('dhcp', 'manual') and not _cidr(4)(value):
        raise FormatError('value does not look like a valid ipv4 network configuration')


def _verify_ipv6_config(value):
    # PVE::JSONSchema::pve_verify_ipv6_config
    if value not in ('auto', 'dhcp', 'manual') and not _cidr(6)(value):
        raise FormatError('value does not look like a valid ipv6 network configuration')


def _verify_ip(value):
    if not (_fullmatch(IPV4RE, value) or _fullmatch(IPV6RE, value)):
        raise FormatError('value does not look like a valid IP address')


def _verify_dns_name(value):
    # PVE::JSONSchema::pve_verify_dns_name
    if not _fullmatch(r'({0}\.)*{0}'.format(DNS_LABEL), value):
        raise FormatError('value does not look like a valid DNS name')


def _verify_address(value):
    # PVE::JSONSchema::pve_verify_address: an IP or a DNS name.
    try:
        _verify_ip(value)
    except FormatError:
        try:
            _verify_dns_name(value)
        except FormatError:
            raise FormatError('value does not look like a valid address: {0}'.format(value)) from None


def _verify_disk_size(value):
    if parse_size(value) is None:
        raise FormatError('value does not look like a valid disk size: {0}'.format(value))


def _verify_poolid(value):
    # pve-access-control PVE::AccessControl::verify_poolname
    if len(value.split('/')) > 3:
        raise FormatError("pool name '{0}' nested too deeply (max levels = 3)".format(value))
    if not _fullmatch(r'[A-Za-z0-9.\-_]+(?:/[A-Za-z0-9.\-_]+){0,2}', value):
        raise FormatError("invalid pool name '{0}'".format(value))


def _verify_storage_content(value):
    # pve-storage PVE::Storage::Plugin::verify_content: the dir plugin's content types, and 'import'.
    if value not in ('images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import'):
        raise FormatError("invalid content type '{0}'".format(value))


def _verify_bootdev(value):
    # qemu-server PVE::QemuServer::verify_bootdev: a drive (not efidisk/tpmstate), netN, usbN or hostpciN.
    found = re.fullmatch(r'([a-z]+)(\d+)', value)
    if found and found.group(1) in ('ide', 'sata', 'scsi', 'virtio', 'net', 'usb', 'hostpci') and int(found.group(2)) < INDEXED[found.group(1)]:
        return
    raise FormatError("invalid boot device '{0}'".format(value))


def _verify_volume_id_or_absolute_path(value):
    # qemu-server PVE::QemuServer::verify_volume_id_or_absolute_path
    if not value.startswith('/'):
        CODE_FORMATS['pve-volume-id'](value)


def _verify_volume_id_or_qm_path(value):
    # qemu-server PVE::QemuServer::verify_volume_id_or_qm_path
    if value not in ('none', 'cdrom'):
        _verify_volume_id_or_absolute_path(value)


def _verify_hotplug_features(value):
    # qemu-server PVE::QemuServer::pve_verify_hotplug_features, by parse_hotplug_features: '0', '1' or a list of the
    # feature words (an unknown one dies first).
    if value in ('0', '1'):
        return
    for feature in split_list(value):
        if feature not in ('network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit'):
            raise FormatError("invalid hotplug feature '{0}'".format(feature))


def _verify_startup_order(value):
    # PVE::JSONSchema::pve_parse_startup_order
    for part in value.split(','):
        if part.strip() and not _fullmatch(r'(?:order=)?\d+|up=\d+|down=\d+', part):
            raise FormatError('unable to parse startup options')


# qemu-server PVE/QemuServer/CPUConfig.pm: the built-in CPU models ($cpu_vendor_list, and the $builtin_models of
# PVE 8+), the flags a VM may set itself (@supported_cpu_flags) and the format of a VM's `cpu` ($cpu_fmt).
CPU_MODELS = frozenset(
    (
        '486',
        'pentium',
        'pentium2',
        'pentium3',
        'coreduo',
        'core2duo',
        'Conroe',
        'Penryn',
        'Nehalem',
        'Nehalem-IBRS',
        'Westmere',
        'Westmere-IBRS',
        'SandyBridge',
        'SandyBridge-IBRS',
        'IvyBridge',
        'IvyBridge-IBRS',
        'Haswell',
        'Haswell-IBRS',
        'Haswell-noTSX',
        'Haswell-noTSX-IBRS',
        'Broadwell',
        'Broadwell-IBRS',
        'Broadwell-noTSX',
        'Broadwell-noTSX-IBRS',
        'Skylake-Client',
        'Skylake-Client-IBRS',
        'Skylake-Client-noTSX-IBRS',
        'Skylake-Server',
        'Skylake-Server-IBRS',
        'Skylake-Server-noTSX-IBRS',
        'Cascadelake-Server',
        'Cascadelake-Server-noTSX',
        'KnightsMill',
        'Icelake-Client',
        'Icelake-Client-noTSX',
        'Icelake-Server',
        'Icelake-Server-noTSX',
        'athlon',
        'phenom',
        'Opteron_G1',
        'Opteron_G2',
        'Opteron_G3',
        'Opteron_G4',
        'Opteron_G5',
        'EPYC',
        'EPYC-IBPB',
        'EPYC-Rome',
        'EPYC-Milan',
        'host',
        'kvm32',
        'kvm64',
        'qemu32',
        'qemu64',
        'max',
        'x86-64-v2',
        'x86-64-v2-AES',
        'x86-64-v3',
        'x86-64-v4',
    )
)
VM_CPU_FLAGS = ('pcid', 'spec-ctrl', 'ibpb', 'ssbd', 'virt-ssbd', 'amd-ssbd', 'amd-no-ssb', 'pdpe1gb', 'md-clear', 'hv-tlbflush', 'hv-evmcs', 'aes')
_CPU_FLAG = r'[+-][a-zA-Z0-9\-_\.]+'
CPU_FMT = {
    'cputype': {'type': 'string', 'default_key': 1, 'optional': 1},
    'reported-model': {'type': 'string', 'enum': sorted(CPU_MODELS), 'optional': 1},
    'hidden': {'type': 'boolean', 'optional': 1},
    'hv-vendor-id': {'type': 'string', 'pattern': '[a-zA-Z0-9]{1,12}', 'optional': 1},
    'flags': {'type': 'string', 'pattern': '{0}(;{0})*'.format(_CPU_FLAG), 'optional': 1},
    'phys-bits': {'type': 'string', 'pattern': r'host|\d{1,2}', 'optional': 1},
}


def _verify_vm_cpu_conf(value):
    # CPUConfig.pm validate_vm_cpu_conf: a cputype that exists (the double has no custom models), VM flags from the
    # supported set only, no reported-model.
    cpu = parse_property_string(CPU_FMT, value, 'cpu')
    cputype = cpu.get('cputype')
    if not cputype:
        raise FormatError('CPU is missing cputype')
    if cputype.startswith('custom-'):
        raise FormatError("Custom cputype '{0}' not found".format(cputype[len('custom-') :]))
    if cputype not in CPU_MODELS:
        raise FormatError("Built-in cputype '{0}' is not defined (missing 'custom-' prefix?)".format(cputype))
    flag = '[+-](?:{0})'.format('|'.join(re.escape(f) for f in VM_CPU_FLAGS))
    if cpu.get('flags') and not re.fullmatch('{0}(;{0})*'.format(flag), cpu['flags']):
        raise FormatError('VM-specific CPU flags must be a subset of: {0}'.format(', '.join(VM_CPU_FLAGS)))
    if cpu.get('reported-model') is not None:
        raise FormatError("Property 'reported-model' not allowed in VM-specific CPU config.")


_VOLUME = {'type': 'string', 'format': 'pve-volume-id', 'optional': 1}
_BASE64 = {'type': 'string', 'pattern': r'[A-Za-z0-9+\/]+={0,2}', 'optional': 1}

# Property-string formats registered by name (the schema dump inlines most, not these).
HASH_FORMATS = {
    # qemu-server PVE/QemuServer/Network.pm $ipconfig_fmt
    'pve-qm-ipconfig': {
        'ip': {'type': 'string', 'format': 'pve-ipv4-config', 'optional': 1},
        'gw': {'type': 'string', 'format': 'ipv4', 'optional': 1, 'requires': 'ip'},
        'ip6': {'type': 'string', 'format': 'pve-ipv6-config', 'optional': 1},
        'gw6': {'type': 'string', 'format': 'ipv6', 'optional': 1, 'requires': 'ip6'},
    },
    # qemu-server PVE/QemuServer.pm $boot_fmt
    'pve-qm-boot': {
        'legacy': {'type': 'string', 'pattern': '[acdn]{1,4}', 'optional': 1, 'default_key': 1},
        'order': {'type': 'string', 'format': 'pve-qm-bootdev-list', 'optional': 1},
    },
    # qemu-server PVE/QemuServer.pm $cicustom_fmt
    'pve-qm-cicustom': {'meta': _VOLUME, 'network': _VOLUME, 'user': _VOLUME, 'vendor': _VOLUME},
    # qemu-server PVE/QemuServer.pm $smbios1_fmt
    'pve-qm-smbios1': {
        'uuid': {'type': 'string', 'pattern': '[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}', 'optional': 1},
        'version': _BASE64,
        'serial': _BASE64,
        'manufacturer': _BASE64,
        'product': _BASE64,
        'sku': _BASE64,
        'family': _BASE64,
        'base64': {'type': 'boolean', 'optional': 1},
    },
}

CODE_FORMATS = {
    'string': lambda value: None,
    # PVE::JSONSchema
    'urlencoded': _regex_format(r"[-%a-zA-Z0-9_.!~*'()]*", 'invalid urlencoded string: {0}'),
    'pve-configid': _regex_format(CONFIGID_RE, "invalid configuration ID '{0}'", re.I),
    'pve-storage-id': _parse_id('storage'),
    'pve-bridge-id': _regex_format(r'[-_.\w\d]+', "invalid bridge ID '{0}'"),
    'pve-vmid': _regex_format(r'[1-9][0-9]{2,8}', 'value does not look like a valid VM ID'),
    'pve-node': _regex_format(r'[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?', 'value does not look like a valid node name'),
    # The I/G bit must be clear: a unicast address.
    'mac-addr': _regex_format(r'[a-f0-9][02468ace](?::[a-f0-9]{2}){5}', 'value does not look like a valid unicast MAC address', re.I),
    'ipv4': _regex_format(IPV4RE, 'value does not look like a valid IPv4 address'),
    'ipv6': _regex_format(IPV6RE, 'value does not look like a valid IPv6 address'),
    'ip': _verify_ip,
    'CIDR': _verify_cidr,
    'pve-ipv4-config': _verify_ipv4_config,
    'pve-ipv6-config': _verify_ipv6_config,
    'dns-name': _verify_dns_name,
    'address': _verify_address,
    'disk-size': _verify_disk_size,
    'pve-tag': _regex_format(TAG_RE, 'invalid characters in tag', re.I),
    'pve-startup-order': _verify_startup_order,
    'pve-task-status-type': _regex_format(r'ok|error|warning|unknown', "invalid status '{0}'", re.I),
    # pve-access-control
    'pve-poolid': _verify_poolid,
    'pve-realm': _regex_format(r'[A-Za-z][A-Za-z0-9.\-_]+', 'value does not look like a valid realm'),
    # pve-storage PVE/Storage/Plugin.pm
    'pve-volume-id': _regex_format(r'[a-z][a-z0-9\-_.]*[a-z0-9]:.+', "unable to parse volume ID '{0}'", re.I | re.S),
    'pve-storage-content': _verify_storage_content,
    # qemu-server
    'pve-qm-bootdev': _verify_bootdev,
    'pve-volume-id-or-qm-path': _verify_volume_id_or_qm_path,
    'pve-volume-id-or-absolute-path': _verify_volume_id_or_absolute_path,
    'pve-vm-cpu-conf': _verify_vm_cpu_conf,
    'pve-hotplug-features': _verify_hotplug_features,
}


def check_format(fmt, value, path, errors):
    """PVE::JSONSchema::check_format, errors added as PVE words them."""
    if isinstance(fmt, dict):
        return parse_property_string(fmt, value, path)
    name, kind = fmt.rpartition('-')[::2] if fmt.endswith(('-list', '-opt')) else (fmt, 'none')
    if name in HASH_FORMATS:
        if kind != 'none':
            raise FormatError("'-{0}' format must have code ref, not hash".format(kind))
        return parse_property_string(HASH_FORMATS[name], value, path)
    verify = CODE_FORMATS.get(name)
    if verify is None:
        raise FormatError("format '{0}' is not implemented by the test suite's validator (tests/simulators/pve_schema/validator.py): add it".format(fmt))
    if kind == 'list':
        for item in split_list(value):
            verify(item)
    elif kind == 'opt':
        if value:
            verify(value)
    else:
        verify(value)
    return None


def parse_boolean(value):
    text = str(value).lower()
    if text in ('1', 'on', 'yes', 'true'):
        return '1'
    if text in ('0', 'off', 'no', 'false'):
        return '0'
    return value


def parse_property_string(fmt, data, path):
    """PVE::JSONSchema::parse_property_string: the parts of `data` checked against the format's keys."""
    default_key = None
    result = {}
    for part in str(data).split(','):
        if not part.strip():
            continue
        found = re.fullmatch(r'([^=]+)=(.+)', part, re.S)
        if found:
            key, val = found.group(1), found.group(2)
            if key in result:
                raise FormatError('duplicate key in comma-separated list property: {0}'.format(key))
            schema = fmt.get(key)
            if schema and schema.get('alias'):
                key_alias = schema.get('keyAlias')
                if key_alias:
                    if key_alias in result:
                        raise FormatError("key alias '{0}' is already defined".format(key_alias))
                    result[key_alias] = key
                key = schema['alias']
                schema = fmt.get(key)
                if key in result:
                    raise FormatError("key '{0}' is already defined (via alias)".format(key))
            if not schema:
                raise FormatError('invalid key in comma-separated list property: {0}'.format(key))
            if schema.get('type') == 'boolean':
                val = parse_boolean(val)
            result[key] = val
        elif '=' not in part:
            if default_key:
                raise FormatError('duplicate key in comma-separated list property: {0}'.format(default_key))
            for key, schema in fmt.items():
                if schema.get('default_key'):
                    default_key = key
                    if key in result:
                        raise FormatError('duplicate key in comma-separated list property: {0}'.format(key))
                    result[key] = parse_boolean(part) if schema.get('type') == 'boolean' else part
                    break
            if not default_key:
                raise FormatError('value without key, but schema does not define a default key')
        else:
            raise FormatError('missing key in comma-separated list property')
    errors = {}
    check_object(path, fmt, result, 0, errors)
    if errors:
        raise FormatError('format error\n' + '\n'.join('{0}: {1}'.format(k, v) for k, v in sorted(errors.items())))
    return result


def _add_error(errors, path, message):
    path = path or '_root'
    errors[path] = errors[path] + '\n' + message if path in errors else message


def _is_number(value):
    return _fullmatch(r'[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?', value)


def _scalar(value):
    """A JSON value as the Perl scalar PVE sees (numbers as their text)."""
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return value


def check_type(path, kind, value, errors):
    """PVE::JSONSchema::check_type for the types the API uses."""
    if not kind or kind in ('any', 'string'):
        if kind == 'string' and isinstance(value, (list, dict)):
            _add_error(errors, path, "type check ('string') failed - got {0}".format('ARRAY' if isinstance(value, list) else 'HASH'))
            return False
        return True
    if kind == 'array':
        if not isinstance(value, list):
            _add_error(errors, path, "type check ('array') failed")
            return False
        return True
    if kind == 'object':
        if not isinstance(value, dict):
            _add_error(errors, path, "type check ('object') failed")
            return False
        return True
    if isinstance(value, (list, dict)):
        _add_error(errors, path, "type check ('{0}') failed - got {1}".format(kind, 'ARRAY' if isinstance(value, list) else 'HASH'))
        return False
    text = _scalar(value)
    if kind == 'boolean' and text not in ('0', '1'):
        _add_error(errors, path, "type check ('boolean') failed - got '{0}'".format(text))
        return False
    if kind == 'integer' and not _fullmatch(r'[+-]?\d+', text):
        _add_error(errors, path, "type check ('integer') failed - got '{0}'".format(text))
        return False
    if kind == 'number' and not _is_number(text):
        _add_error(errors, path, "type check ('number') failed - got '{0}'".format(text))
        return False
    return True


def check_prop(value, schema, path, errors):
    """PVE::JSONSchema::check_prop (the parts the API's parameter schemas use)."""
    if schema.get('alias'):
        return
    if value is None:
        if not schema.get('optional') and not schema.get('group'):
            _add_error(errors, path, 'property is missing and it is not optional')
        return
    if not check_type(path, schema.get('type'), value, errors):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            if schema.get('items'):
                check_prop(item, schema['items'], '{0}[{1}]'.format(path, index), errors)
        return
    if isinstance(value, dict):
        if schema.get('properties') or schema.get('additionalProperties'):
            check_object(path, schema.get('properties') or {}, value, schema.get('additionalProperties'), errors)
        return
    text = _scalar(value)
    if schema.get('format'):
        try:
            check_format(schema['format'], text, path, errors)
        except FormatError as exc:
            _add_error(errors, path, 'invalid format - {0}'.format(exc))
            return
    if schema.get('pattern') and not _fullmatch(schema['pattern'], text):
        _add_error(errors, path, 'value does not match the regex pattern')
        return
    if schema.get('maxLength') is not None and len(text) > schema['maxLength']:
        _add_error(errors, path, 'value may only be {0} characters long'.format(schema['maxLength']))
        return
    if schema.get('minLength') is not None and len(text) < schema['minLength']:
        _add_error(errors, path, 'value must be at least {0} characters long'.format(schema['minLength']))
        return
    if _is_number(text):
        if schema.get('maximum') is not None and float(text) > schema['maximum']:
            _add_error(errors, path, 'value must have a maximum value of {0}'.format(schema['maximum']))
            return
        if schema.get('minimum') is not None and float(text) < schema['minimum']:
            _add_error(errors, path, 'value must have a minimum value of {0}'.format(schema['minimum']))
            return
    if schema.get('enum') and text not in [str(e) for e in schema['enum']]:
        _add_error(errors, path, "value '{0}' does not have a value in the enumeration '{1}'".format(text, ', '.join(str(e) for e in schema['enum'])))


def check_object(path, properties, value, additional, errors):
    """PVE::JSONSchema::check_object: each property checked, `requires` followed, unknown ones refused."""
    for key in list(value):
        alias = (properties.get(key) or {}).get('alias')
        if alias:
            if value.get(alias) is not None:
                _add_error(errors, '{0}.{1}'.format(path, key) if path else key, "cannot set both '{0}' and its alias target '{1}'".format(key, alias))
            else:
                value[alias] = value.pop(key)
    for key, schema in properties.items():
        check_prop(value.get(key), schema, '{0}.{1}'.format(path, key) if path else key, errors)
    for key in value:
        subpath = '{0}.{1}'.format(path, key) if path else key
        schema = properties.get(key)
        if schema:
            requires = schema.get('requires')
            if isinstance(requires, str) and value.get(requires) is None:
                _add_error(errors, '{0}.{1}'.format(path, requires) if path else requires, "missing property required by '{0}'".format(subpath))
            continue
        if additional is not None and not additional:
            _add_error(errors, subpath, 'property is not defined in schema and the schema does not allow additional properties')
        elif isinstance(additional, dict):
            check_prop(value[key], additional, subpath, errors)


def expand_indexed(properties):
    """`net[n]` of the schema dump as net0..net31, PVE's own parameter names."""
    out = {}
    for name, schema in properties.items():
        found = re.fullmatch(r'(\w+)\[n\]', name)
        if not found:
            out[name] = schema
            continue
        if found.group(1) not in INDEXED:
            raise KeyError('how many {0} parameters PVE has is not known to the validator: add it to INDEXED'.format(name))
        for index in range(INDEXED[found.group(1)]):
            out['{0}{1}'.format(found.group(1), index)] = schema
    return out


class Schema:
    """The trimmed schema, with its path templates matched against request paths."""

    def __init__(self, path=SCHEMA_FILE):
        with open(path) as handle:
            data = json.load(handle)
        self.version, self.date = data['pve_version'], data['date']
        self.paths = data['paths']
        self.methods = data['methods']
        self._templates = sorted(
            (
                (template, re.compile('^' + re.sub(r'\\{[^}]+\\}', '([^/]+)', re.escape(template)) + '$'), re.findall(r'{([^}]+)}', template))
                for template in self.paths
            ),
            key=lambda entry: -entry[0].count('/') * 100 + entry[0].count('{'),
        )
        self._expanded = {}

    def match(self, path):
        """(template, {name: value}) of the API path, the most literal template first; None if PVE has none."""
        for prefix in API_PREFIXES:
            if path.startswith(prefix + '/'):
                path = path[len(prefix) :]
                break
        path = path.rstrip('/') or '/'
        for template, regex, names in self._templates:
            found = regex.match(path)
            if found:
                return template, dict(zip(names, found.groups()))
        return None

    def parameters(self, template, method):
        key = (template, method)
        if key not in self._expanded:
            info = self.methods[template][method].get('parameters') or {}
            self._expanded[key] = (expand_indexed(info.get('properties') or {}), info.get('additionalProperties'))
        return self._expanded[key]

    def check(self, method, path, values):
        """[(parameter, message)] of what PVE's API server would refuse in this request."""
        found = self.match(path)
        if found is None:
            return [('_path', "no API path '{0}' in PVE {1}'s schema".format(path, self.version))]
        template, path_values = found
        if method not in self.paths[template]:
            return [
                (
                    '_method',
                    "Method '{0} {1}' not implemented (PVE {2} has {3} there)".format(
                        method, template, self.version, ', '.join(self.paths[template]) or 'nothing'
                    ),
                )
            ]
        if method not in self.methods.get(template, {}):
            return [
                (
                    '_method',
                    "{0} {1} is in PVE's API but not in the trimmed schema copy: add it to KEPT in "
                    'tests/simulators/pve_schema/refresh.py and run make pve-schema'.format(method, template),
                )
            ]
        properties, additional = self.parameters(template, method)
        merged = dict(values)
        merged.update(path_values)
        errors = {}
        # PVE::RESTHandler validates the parameters as one object (PVE::JSONSchema::validate -> check_prop).
        check_object('', properties, merged, additional, errors)
        return sorted(errors.items())


_SHARED = {}


def schema():
    """The schema, loaded once."""
    if 'schema' not in _SHARED:
        _SHARED['schema'] = Schema()
    return _SHARED['schema']
