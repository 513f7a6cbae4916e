"""Refresh tests/simulators/pve_schema/pve-api-trimmed.json from a pve-docs checkout (make pve-schema PVE_DOCS=...).

pve-docs' api-viewer/apidata.js is PVE's whole API schema as the API viewer shows it (`const apiSchema = [...]`),
dumped from the running code by pve-docs' build. This keeps from it:

- every path template with its methods (so a request to a path PVE does not have is told apart from one the
  trimmed copy leaves out);
- the parameters of the methods in KEPT, the ones the collection's Proxmox driver (plugins/module_utils/_proxmox.py)
  and the test suite's own set-up calls send, without their prose (description, typetext, verbose_description).

usage: python refresh.py <pve-docs checkout> [<output json>]
The version and date are those of the checkout's newest commit touching apidata.js, and of debian/changelog.
"""

import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, 'pve-api-trimmed.json')

# (method, path template): what the driver and the suite send. Add a line here when either starts using a new call.
KEPT = (
    ('POST', '/access/ticket'),
    ('GET', '/version'),
    ('GET', '/nodes'),
    ('GET', '/pools'),
    ('GET', '/cluster/resources'),
    ('GET', '/cluster/nextid'),
    ('GET', '/cluster/status'),
    ('GET', '/cluster/sdn/vnets'),
    ('GET', '/nodes/{node}/network'),
    ('GET', '/nodes/{node}/storage'),
    ('GET', '/nodes/{node}/storage/{storage}/content'),
    ('GET', '/nodes/{node}/tasks'),
    ('GET', '/nodes/{node}/tasks/{upid}/status'),
    ('GET', '/nodes/{node}/tasks/{upid}/log'),
    ('GET', '/nodes/{node}/qemu'),
    ('POST', '/nodes/{node}/qemu'),
    ('DELETE', '/nodes/{node}/qemu/{vmid}'),
    ('GET', '/nodes/{node}/qemu/{vmid}/config'),
    ('PUT', '/nodes/{node}/qemu/{vmid}/config'),
    ('POST', '/nodes/{node}/qemu/{vmid}/config'),
    ('GET', '/nodes/{node}/qemu/{vmid}/pending'),
    ('POST', '/nodes/{node}/qemu/{vmid}/clone'),
    ('POST', '/nodes/{node}/qemu/{vmid}/template'),
    ('PUT', '/nodes/{node}/qemu/{vmid}/resize'),
    ('GET', '/nodes/{node}/qemu/{vmid}/status/current'),
    ('POST', '/nodes/{node}/qemu/{vmid}/status/start'),
    ('POST', '/nodes/{node}/qemu/{vmid}/status/stop'),
    ('POST', '/nodes/{node}/qemu/{vmid}/status/shutdown'),
    ('POST', '/nodes/{node}/qemu/{vmid}/status/reboot'),
    ('POST', '/nodes/{node}/qemu/{vmid}/status/reset'),
    ('POST', '/nodes/{node}/qemu/{vmid}/status/suspend'),
    ('POST', '/nodes/{node}/qemu/{vmid}/status/resume'),
    ('GET', '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces'),
)
# Prose the validator never reads.
DROPPED = ('description', 'verbose_description', 'typetext', 'format_description', 'print_width')


def load_apidata(path):
    """The apiSchema array of apidata.js."""
    with open(path) as handle:
        text = handle.read()
    start, end = text.index('['), text.rindex(']')
    return json.loads(text[start : end + 1])


def flatten(tree):
    """{path: info} of every node of the schema tree."""
    found = {}
    pending = list(tree)
    while pending:
        node = pending.pop()
        found[node['path']] = node.get('info') or {}
        pending.extend(node.get('children') or ())
    return found


def strip_prose(schema):
    """A parameter schema without its prose; the maps of names to schemas (properties, inlined formats) are
    walked, not stripped (a parameter may be called `description`)."""
    out = {}
    for key, value in schema.items():
        if key in DROPPED:
            continue
        if key in ('properties', 'format') and isinstance(value, dict):
            value = {name: strip_prose(sub) for name, sub in value.items()}
        elif key in ('items', 'additionalProperties', 'requires') and isinstance(value, dict):
            value = strip_prose(value)
        out[key] = value
    return out


def git(checkout, *args):
    return subprocess.run(('git', '-C', checkout) + args, check=True, capture_output=True, text=True).stdout.strip()


def provenance(checkout):
    """Version (debian/changelog's first entry), commit and date of the checkout's apidata.js."""
    with open(os.path.join(checkout, 'debian', 'changelog')) as handle:
        version = re.match(r'\S+ \(([^)]+)\)', handle.readline()).group(1)
    try:
        commit, date = git(checkout, 'log', '-1', '--format=%H %ad', '--date=short', '--', 'api-viewer/apidata.js').split()
    except (OSError, subprocess.CalledProcessError, ValueError):
        commit, date = None, None
    return version, commit, date


def trimmed(checkout):
    paths = flatten(load_apidata(os.path.join(checkout, 'api-viewer', 'apidata.js')))
    methods = {}
    for method, template in KEPT:
        info = paths.get(template, {}).get(method)
        if info is None:
            raise SystemExit('{0} {1} is not in this pve-docs API schema'.format(method, template))
        kept = {k: info[k] for k in ('protected', 'allowtoken', 'proxyto') if k in info}
        if 'parameters' in info:
            kept['parameters'] = strip_prose(info['parameters'])
        methods.setdefault(template, {})[method] = kept
    version, commit, date = provenance(checkout)
    return {
        '_about': (
            "Trimmed copy of Proxmox VE's API schema (pve-docs api-viewer/apidata.js) for the test suite's "
            'request validator; made by tests/simulators/pve_schema/refresh.py (make pve-schema). '
            'Copyright Proxmox Server Solutions GmbH, AGPL-3.0-or-later: test data only, never part of the '
            'collection artifact (galaxy.yml build_ignore).'
        ),
        'source': 'https://git.proxmox.com/?p=pve-docs.git (github.com/proxmox/pve-docs) api-viewer/apidata.js',
        'pve_version': version,
        'commit': commit,
        'date': date,
        'paths': {template: sorted(info) for template, info in sorted(paths.items())},
        'methods': methods,
    }


def main(argv):
    if len(argv) not in (2, 3):
        raise SystemExit('usage: refresh.py <pve-docs checkout> [<output json>]')
    output = argv[2] if len(argv) == 3 else OUTPUT
    data = trimmed(argv[1])
    with open(output, 'w') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.write('\n')
    print(
        '{0}: PVE {1} ({2}), {3} paths, {4} methods kept'.format(
            output, data['pve_version'], data['date'], len(data['paths']), sum(len(m) for m in data['methods'].values())
        )
    )


if __name__ == '__main__':
    main(sys.argv)
