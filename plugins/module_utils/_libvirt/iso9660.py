# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A small ISO9660 (ECMA-119) writer and reader for the NoCloud seed image, so the seed needs no external tool."""

from __future__ import annotations

# An ISO9660 image (ECMA-119) of a few small files in its root directory, written and read here so the seed needs
# no external tool. Names are ISO9660 ones (META-DATA;1), which Linux shows as meta-data (its default map=normal),
# where cloud-init looks for them; the volume identifier is the label cloud-init finds the seed by.
SECTOR = 2048
SEED_LABEL = 'cidata'
# A fixed date: the same settings give the same image, byte for byte.
_ISO_DATE = bytes([100, 1, 1, 0, 0, 0, 0])
_ISO_LONG_DATE = b'2000010100000000\x00'


def _both16(value):
    return value.to_bytes(2, 'little') + value.to_bytes(2, 'big')


def _both32(value):
    return value.to_bytes(4, 'little') + value.to_bytes(4, 'big')


def _dir_record(identifier, extent, size, directory=False):
    length = 33 + len(identifier) + (1 - len(identifier) % 2)
    record = (
        bytes([length, 0])
        + _both32(extent)
        + _both32(size)
        + _ISO_DATE
        + bytes([2 if directory else 0, 0, 0])
        + _both16(1)
        + bytes([len(identifier)])
        + identifier
    )
    return record + b'\x00' * (length - len(record))


def _pad(data, size):
    return data + b'\x00' * (size - len(data))


def iso9660(files, label=SEED_LABEL):
    """The bytes of an ISO9660 image of files ({name: text}) in its root directory, its volume labelled label."""
    names = sorted(files)
    root_extent, first_file = 20, 21
    extents, position = {}, first_file
    contents = {name: files[name].encode('utf-8') for name in names}
    for name in names:
        extents[name] = position
        position += max(1, -(-len(contents[name]) // SECTOR))
    total = position
    root = _dir_record(b'\x00', root_extent, SECTOR, True) + _dir_record(b'\x01', root_extent, SECTOR, True)
    for name in names:
        root += _dir_record((name.upper() + ';1').encode('ascii'), extents[name], len(contents[name]))
    if len(root) > SECTOR:
        raise ValueError('too many files for one directory sector')
    path_l = bytes([1, 0]) + root_extent.to_bytes(4, 'little') + (1).to_bytes(2, 'little') + b'\x00\x00'
    path_m = bytes([1, 0]) + root_extent.to_bytes(4, 'big') + (1).to_bytes(2, 'big') + b'\x00\x00'

    def text(value, size):
        return value.encode('ascii').ljust(size, b' ')

    pvd = (
        bytes([1])
        + b'CD001'
        + bytes([1, 0])
        + text('LINUX', 32)
        + text(label, 32)
        + b'\x00' * 8
        + _both32(total)
        + b'\x00' * 32
        + _both16(1)
        + _both16(1)
        + _both16(SECTOR)
        + _both32(10)
        + (18).to_bytes(4, 'little')
        + b'\x00' * 4
        + (19).to_bytes(4, 'big')
        + b'\x00' * 4
        + _dir_record(b'\x00', root_extent, SECTOR, True)
        + text('', 128)
        + text('', 128)
        + text('PUREBOOT', 128)
        + text('PUREBOOT.HYPERVISORS', 128)
        + text('', 37 * 3)
        + _ISO_LONG_DATE * 2
        + b'0' * 16
        + b'\x00'
        + b'0' * 16
        + b'\x00'
        + bytes([1, 0])
    )
    terminator = bytes([255]) + b'CD001' + bytes([1])
    image = [b'\x00' * (16 * SECTOR), _pad(pvd, SECTOR), _pad(terminator, SECTOR), _pad(path_l, SECTOR), _pad(path_m, SECTOR), _pad(root, SECTOR)]
    for name in names:
        data = contents[name]
        image.append(_pad(data, max(1, -(-len(data) // SECTOR)) * SECTOR))
    return b''.join(image)


def read_iso9660(image, limit=1024 * 1024):
    """(label, {name: text}) of the files in the root directory of an ISO9660 image, names as Linux shows them
    (lowercase, without ';1'); None when image is not one. The image comes from the hypervisor: every offset is
    checked against its length, and files past limit bytes are not read."""
    if len(image) < 17 * SECTOR or image[16 * SECTOR + 1 : 16 * SECTOR + 6] != b'CD001' or image[16 * SECTOR] != 1:
        return None
    pvd = image[16 * SECTOR : 17 * SECTOR]
    label = pvd[40:72].decode('ascii', 'replace').strip()
    root = pvd[156:190]
    extent, size = int.from_bytes(root[2:6], 'little'), int.from_bytes(root[10:14], 'little')
    directory = image[extent * SECTOR : extent * SECTOR + min(size, limit)]
    files, offset = {}, 0
    while offset < len(directory):
        length = directory[offset]
        if length == 0:
            # Records do not cross sectors: the rest of this one is padding.
            offset = (offset // SECTOR + 1) * SECTOR
            continue
        record = directory[offset : offset + length]
        offset += length
        if len(record) < 34:
            break
        name_length = record[32]
        name = record[33 : 33 + name_length]
        if record[25] & 2 or name in (b'\x00', b'\x01'):
            continue
        start, data_size = int.from_bytes(record[2:6], 'little'), int.from_bytes(record[10:14], 'little')
        if data_size > limit or (start * SECTOR + data_size) > len(image):
            continue
        shown = name.decode('ascii', 'replace').split(';')[0].rstrip('.').lower()
        files[shown] = image[start * SECTOR : start * SECTOR + data_size].decode('utf-8', 'replace')
    return label, files
