# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""SHA-512 crypt (`$6$`), the password hash cloud-init hands to chpasswd -e and glibc's crypt() understands.

Python 3.13 has no `crypt` module and the controller is not promised passlib, so the hash is computed here, step by
step as Ulrich Drepper's published specification "Unix crypt using SHA-256 and SHA-512" describes it (the numbers in
the comments are its steps). Only what a cloud-init seed needs: hashing with a random salt, and verifying a password
against a stored hash (so a password is compared, never re-hashed to compare).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = '$6$'
ROUNDS_DEFAULT = 5000
ROUNDS_MIN = 1000
ROUNDS_MAX = 999999999
SALT_MAX = 16
# The crypt alphabet: ./0-9A-Za-z, six bits a character.
ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
# Step 22e: the order in which the 64 bytes of the final digest are encoded, three at a time (the last one alone).
_ORDER = [
    (0, 21, 42),
    (22, 43, 1),
    (44, 2, 23),
    (3, 24, 45),
    (25, 46, 4),
    (47, 5, 26),
    (6, 27, 48),
    (28, 49, 7),
    (50, 8, 29),
    (9, 30, 51),
    (31, 52, 10),
    (53, 11, 32),
    (12, 33, 54),
    (34, 55, 13),
    (56, 14, 35),
    (15, 36, 57),
    (37, 58, 16),
    (59, 17, 38),
    (18, 39, 60),
    (40, 61, 19),
    (62, 20, 41),
]


def _repeated(digest, length):
    """digest repeated to length bytes (steps 16 and 20)."""
    return (digest * (length // len(digest) + 1))[:length]


def _encode(value, count):
    text = ''
    for _position in range(count):
        text += ALPHABET[value & 0x3F]
        value >>= 6
    return text


def _digest(password, salt, rounds):
    """The 64 bytes of steps 1-21."""
    # Steps 4-8: digest B of password, salt, password.
    alternate = hashlib.sha512(password + salt + password).digest()
    # Steps 1-3, 9-12: digest A.
    context = hashlib.sha512(password + salt)
    context.update(_repeated(alternate, len(password)))
    length = len(password)
    while length:
        context.update(alternate if length & 1 else password)
        length >>= 1
    digest_a = context.digest()
    # Steps 13-16: sequence P from the password repeated as often as it is long.
    p_bytes = _repeated(hashlib.sha512(password * len(password)).digest(), len(password))
    # Steps 17-20: sequence S from the salt repeated 16 + A[0] times.
    s_bytes = _repeated(hashlib.sha512(salt * (16 + digest_a[0])).digest(), len(salt))
    # Step 21: the rounds.
    current = digest_a
    for index in range(rounds):
        context = hashlib.sha512()
        context.update(p_bytes if index & 1 else current)
        if index % 3:
            context.update(s_bytes)
        if index % 7:
            context.update(p_bytes)
        context.update(current if index & 1 else p_bytes)
        current = context.digest()
    return current


def sha512_crypt(password, salt=None, rounds=None):
    """The `$6$` hash of password (str) with salt (a random one of 16 characters when None); rounds, when given, is
    written into the hash (`rounds=N$`, as the specification does even for the default 5000)."""
    if salt is None:
        salt = ''.join(secrets.choice(ALPHABET) for _position in range(SALT_MAX))
    salt = salt[:SALT_MAX]
    rounds_part = ''
    if rounds is not None:
        rounds = min(max(int(rounds), ROUNDS_MIN), ROUNDS_MAX)
        rounds_part = 'rounds={0}$'.format(rounds)
    final = _digest(password.encode('utf-8'), salt.encode('utf-8'), ROUNDS_DEFAULT if rounds is None else rounds)
    encoded = ''.join(_encode((final[a] << 16) | (final[b] << 8) | final[c], 4) for a, b, c in _ORDER)
    encoded += _encode(final[63], 2)
    return '{0}{1}{2}${3}'.format(PREFIX, rounds_part, salt, encoded)


def _parse(hashed):
    """(salt, rounds or None when not written) of a `$6$` hash, or None when it is not one."""
    if not isinstance(hashed, str) or not hashed.startswith(PREFIX):
        return None
    parts = hashed[len(PREFIX) :].split('$')
    rounds = None
    if parts and parts[0].startswith('rounds='):
        try:
            rounds = int(parts.pop(0)[len('rounds=') :])
        except ValueError:
            return None
    if len(parts) != 2 or len(parts[1]) != 86:
        return None
    return parts[0], rounds


def is_sha512_crypt(hashed):
    """True when hashed looks like a `$6$` hash."""
    return _parse(hashed) is not None


def verify(password, hashed):
    """True when password hashes to hashed (a `$6$` hash); False for anything else. Constant-time comparison."""
    parsed = _parse(hashed)
    if parsed is None or password is None:
        return False
    salt, rounds = parsed
    return hmac.compare_digest(sha512_crypt(password, salt, rounds), hashed)
