"""SHA-512 crypt against the test vectors of its published specification (Drepper, "Unix crypt using SHA-256 and
SHA-512"), and the verification a cloud-init seed's password is compared by."""

import secrets
import warnings

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._sha_crypt import is_sha512_crypt, sha512_crypt, verify

# (password, salt, rounds, hash) from the specification's test vectors.
VECTORS = [
    ('Hello world!', 'saltstring', None, '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'),
    (
        'Hello world!',
        'saltstringsaltstring',
        10000,
        '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    ),
    (
        'This is just a test',
        'toolongsaltstring',
        5000,
        '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
    ),
    (
        'a very much longer text to encrypt.  This one even stretches over morethan one line.',
        'anotherlongsaltstring',
        1400,
        '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
    ),
]


@pytest.mark.parametrize('password,salt,rounds,expected', VECTORS)
def test_the_specifications_vectors(password, salt, rounds, expected):
    assert sha512_crypt(password, salt, rounds) == expected
    assert verify(password, expected) and not verify(password + 'x', expected)


def test_the_same_hash_as_the_systems_crypt():
    """Where Python still has the crypt module (up to 3.12), the system's libcrypt agrees on random inputs."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        system = pytest.importorskip('crypt')
    for length in (1, 7, 16, 33, 70):
        password = secrets.token_urlsafe(length)[:length]
        ours = sha512_crypt(password)
        assert system.crypt(password, ours) == ours
        assert verify(password, system.crypt(password, system.mksalt(system.METHOD_SHA512)))


def test_a_random_salt_and_verification():
    first, second = sha512_crypt('s3cret pass'), sha512_crypt('s3cret pass')
    assert first != second, 'a new salt each time'
    assert is_sha512_crypt(first) and verify('s3cret pass', first) and verify('s3cret pass', second)
    assert 's3cret' not in first
    assert not verify('s3cret pass', 's3cret pass') and not verify('s3cret pass', None)
    assert not is_sha512_crypt('$1$abc$def') and not is_sha512_crypt('plain')
    assert verify('pässwörd', sha512_crypt('pässwörd'))
