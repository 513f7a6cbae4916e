# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""cloud-init on libvirt: a mixin of LibvirtDriver (driver.py) that reads and writes a VM's NoCloud seed volume.

The seed is a small ISO 9660 image (label cidata) in a volume beside the VM's first disk, attached as a CD-ROM;
it is read and written through libvirt's volume streams, so no access to the host's files is needed. What goes
into it, and how it is read back into settings, is cloud_init.py's (pure functions); this file is the part that
talks to libvirt. Those pure parts (cloud_init.py, iso9660.py, _cloud_init.py) are imported by the methods that
use them: every LibvirtDriver inherits this mixin, and a listing (the inventory) need not load them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import vm_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.domain_xml import to_xml, volume_xml
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.sdk import libvirt


class LibvirtSeed:
    """The cloud-init seed of LibvirtDriver's VMs."""

    def check_cloud_init(self, settings, node=None, template=None, subject=None):
        """Nothing to look up before the VM exists: its seed goes into the pool of its own disk."""

    def _seed(self, vm, subject):
        """(domain, definition text, facts, the seed's disk or None) of the VM."""
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init import is_seed_disk

        dom = self._lookup(vm_id=vm['id'])
        if dom is None:
            raise self.error(NotFoundError, 'the VM is gone', subject)
        text, facts = self._definition(dom, subject, secure=True)
        seed = next((disk for disk in facts['disks'] if is_seed_disk(disk, facts['name'])), None)
        return dom, text, facts, seed

    def _seed_files(self, seed, subject):
        """The files of the seed volume, read through libvirt (no access to the host's files needed); {} when it is
        not a NoCloud image."""
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init import SEED_MAX_BYTES
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.iso9660 import SEED_LABEL, read_iso9660

        try:
            volume = self._volume(seed, subject)
        except NotFoundError:
            return {}

        def download(conn):
            size = min(volume.info()[1], SEED_MAX_BYTES)
            stream = conn.newStream(0)
            volume.download(stream, 0, size, 0)
            chunks, received = [], 0
            while received < size:
                chunk = stream.recv(65536)
                if not chunk or not isinstance(chunk, bytes):
                    break
                chunks.append(chunk)
                received += len(chunk)
            stream.finish()
            return b''.join(chunks)

        found = read_iso9660(self._read(download, subject))
        return found[1] if found and found[0] == SEED_LABEL else {}

    def read_cloud_init(self, vm):
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import empty_settings
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init import nocloud_settings

        subject = vm_subject(vm)
        _dom, _text, _facts, seed = self._seed(vm, subject)
        return nocloud_settings(self._seed_files(seed, subject)) if seed else empty_settings()

    def write_cloud_init(self, vm, settings, change, timeout):
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import empty_settings
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init import (
            SEED_MAX_BYTES,
            attach_seed,
            nocloud_seed,
            nocloud_settings,
            seed_volume_name,
        )
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.iso9660 import iso9660

        # Every call answers when it is done: there is no task to wait for.
        del timeout
        subject = vm_subject(vm)
        _dom, text, facts, seed = self._seed(vm, subject)
        current = nocloud_settings(self._seed_files(seed, subject)) if seed else empty_settings()
        files = nocloud_seed(current, settings, change, facts['name'], [nic['mac'] for nic in facts['nics']])
        image = iso9660(files)
        if len(image) > SEED_MAX_BYTES:
            raise self.error(InvalidInputError, 'cloud_init makes a seed of {0} bytes; at most {1}'.format(len(image), SEED_MAX_BYTES), subject)
        first_disk = next((disk for disk in facts['disks'] if disk['device'] == 'disk'), None)
        if first_disk is None:
            raise self.error(InvalidInputError, 'cloud_init needs a disk to put its seed beside; the VM has none', subject)
        pool = self._read(lambda _conn: self._volume(first_disk, subject).storagePoolLookupByVolume(), subject)
        pool_name = self._read(lambda _conn: pool.name(), subject)
        name = seed_volume_name(facts['name'])

        volume = self._read_unless_missing(lambda _conn: pool.storageVolLookupByName(name), (libvirt.VIR_ERR_NO_STORAGE_VOL,), subject)
        if volume is None:
            volume = self._write(lambda _conn: pool.createXML(volume_xml(name, SEED_MAX_BYTES, fmt='raw'), 0), subject)
        data = image + b'\0' * (SEED_MAX_BYTES - len(image))

        def upload(conn):
            stream = conn.newStream(0)
            volume.upload(stream, 0, len(data), 0)
            offset = 0
            while offset < len(data):
                offset += stream.send(data[offset : offset + 65536])
            stream.finish()

        self._write(upload, subject)
        root = ET.fromstring(text)
        if attach_seed(root, pool_name, name):
            self._write(lambda conn: conn.defineXML(to_xml(root)), subject)
        return self.read_cloud_init(vm)
