"""The cpio "newc" archive format the Linux kernel unpacks as an initramfs, written (and read back) in Python.

The kernel's initramfs reader (Documentation/driver-api/early-userspace/buffer-format.rst) takes "newc": for each
entry a 110-byte ASCII header (magic 070701 and 13 fields of 8 hex digits), the name with its NUL, padded to 4
bytes, then the data, padded to 4 bytes; the archive ends with an entry named TRAILER!!!. Entries here carry no
owner and time (0), so the same files always give the same bytes.
"""

import stat

MAGIC = b'070701'
TRAILER = 'TRAILER!!!'
HEADER_FIELDS = ('ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check')
HEADER_SIZE = len(MAGIC) + 8 * len(HEADER_FIELDS)


class Entry:
    """One archive member: a directory, a regular file (data), a symlink (target) or a character device (rdev)."""

    def __init__(self, path, mode, data=b'', rdev=(0, 0)):
        self.path = path.lstrip('/')
        self.mode = mode
        self.data = data
        self.rdev = rdev

    @classmethod
    def directory(cls, path, permissions=0o755):
        return cls(path, stat.S_IFDIR | permissions)

    @classmethod
    def file(cls, path, data, permissions=0o644):
        return cls(path, stat.S_IFREG | permissions, data)

    @classmethod
    def symlink(cls, path, target):
        return cls(path, stat.S_IFLNK | 0o777, target.encode('utf-8'))

    @classmethod
    def char_device(cls, path, major, minor, permissions=0o600):
        return cls(path, stat.S_IFCHR | permissions, rdev=(major, minor))


def _pad(length):
    return b'\0' * (-length % 4)


def _member(ino, name, mode, data, rdev, nlink):
    encoded = name.encode('utf-8') + b'\0'
    values = {
        'ino': ino,
        'mode': mode,
        'uid': 0,
        'gid': 0,
        'nlink': nlink,
        'mtime': 0,
        'filesize': len(data),
        'devmajor': 0,
        'devminor': 0,
        'rdevmajor': rdev[0],
        'rdevminor': rdev[1],
        'namesize': len(encoded),
        'check': 0,
    }
    header = MAGIC + b''.join(b'%08X' % values[field] for field in HEADER_FIELDS)
    return header + encoded + _pad(len(header) + len(encoded)) + data + _pad(len(data))


def newc_archive(entries):
    """The archive of entries, in their order (a directory before what it holds), with its trailer."""
    parts = []
    for ino, entry in enumerate(entries, start=1):
        nlink = 2 if stat.S_ISDIR(entry.mode) else 1
        parts.append(_member(ino, entry.path, entry.mode, entry.data, entry.rdev, nlink))
    parts.append(_member(0, TRAILER, 0, b'', (0, 0), 1))
    return b''.join(parts)


def read_newc(archive):
    """The entries of a newc archive, up to its trailer: for checking what newc_archive wrote."""
    entries, offset = [], 0
    while True:
        if archive[offset : offset + len(MAGIC)] != MAGIC:
            raise ValueError('no newc header at offset {0}'.format(offset))
        fields = archive[offset + len(MAGIC) : offset + HEADER_SIZE]
        values = {name: int(fields[index * 8 : index * 8 + 8], 16) for index, name in enumerate(HEADER_FIELDS)}
        name_start = offset + HEADER_SIZE
        name = archive[name_start : name_start + values['namesize'] - 1].decode('utf-8')
        data_start = name_start + values['namesize']
        data_start += -data_start % 4
        data = archive[data_start : data_start + values['filesize']]
        offset = data_start + values['filesize']
        offset += -offset % 4
        if name == TRAILER:
            return entries
        entries.append(Entry(name, values['mode'], data, (values['rdevmajor'], values['rdevminor'])))
