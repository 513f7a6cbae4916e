"""LazySdk (_sdk.py): an SDK is imported when a driver of its type is made, and its absence is one clear line."""

import sys

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import MissingLibraryError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.sdk import proxmoxer_core
from ansible_collections.pureboot.hypervisors.plugins.module_utils._sdk import LazySdk


def test_the_module_is_imported_on_first_use_and_loaded_once():
    loaded = []
    lazy = LazySdk('colorsys', 'colorsys', on_load=loaded.append)
    assert loaded == []
    assert lazy.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert lazy.require() is sys.modules['colorsys'] and [m.__name__ for m in loaded] == ['colorsys']


def test_an_absent_module_names_the_distribution_to_install():
    lazy = LazySdk('pureboot_no_such_sdk', 'no-such-sdk-python')
    with pytest.raises(MissingLibraryError) as caught:
        lazy.require('pve1')
    assert 'no-such-sdk-python' in str(caught.value) and caught.value.category == 'missing_library'
    assert str(caught.value).startswith('pve1: ')


def test_a_missing_proxmoxer_fails_when_the_driver_is_made(monkeypatch):
    # As if proxmoxer were not installed: Python refuses to import a module whose sys.modules entry is None.
    monkeypatch.setitem(sys.modules, 'proxmoxer.core', None)
    monkeypatch.setattr(proxmoxer_core, '_module', None)
    with pytest.raises(MissingLibraryError) as caught:
        driver_for({'type': 'proxmox', 'name': 'pve1', 'api_url': 'https://pve.example.com:8006', 'username': 'root@pam', 'password': 'x'})
    assert 'proxmoxer' in str(caught.value)
