"""Run the pureboot inventory plugin's population on given data in a process of its own; print what it made.

test_pureboot.py runs this: Ansible's plugin loader needs its collection finder set up before anything imports
ansible_collections, which pytest's own process has done long before (conftest.py). Nothing is fetched: the data
the plugin would fetch (module_utils/_inventory.collect) is given.

stdin: {"collections_path": the directory holding ansible_collections/, "source": a source file, "data": {...}}
stdout: {host: {"vars": {...}, "groups": [...]}}; the plugin's warnings go to stderr.
"""

import json
import sys

from ansible.plugins.loader import init_plugin_loader


def populate(source, data):
    # Imported only once the loader is set up.
    from ansible.inventory.data import InventoryData  # pylint: disable=import-outside-toplevel
    from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
    from ansible.plugins.inventory import BaseInventoryPlugin  # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import inventory_loader  # pylint: disable=import-outside-toplevel

    plugin = inventory_loader.get('pureboot.hypervisors.pureboot')
    inventory = InventoryData()
    # What the plugin's parse() does around its fetch: the base parse, reading the source's options, populating.
    BaseInventoryPlugin.parse(plugin, inventory, DataLoader(), source)
    plugin._read_config_data(source)  # pylint: disable=protected-access
    plugin._populate(data)  # pylint: disable=protected-access
    return {name: {'vars': host.get_vars(), 'groups': sorted(g.name for g in host.get_groups() if g.name != 'all')} for name, host in inventory.hosts.items()}


def main():
    request = json.load(sys.stdin)
    init_plugin_loader([request['collections_path']])
    json.dump(populate(request['source'], request['data']), sys.stdout)


if __name__ == '__main__':
    main()
