# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Marking data from hypervisors and PureBoot as unsafe, so Ansible never templates it.

ansible-core 2.16 to 2.18 template a string found in a host variable when a play or a `compose` entry reads
it; 2.19 and later do not template data an inventory plugin sets, but still honour the marking. A VM
description or a PureBoot node hostname (which anyone on the provisioning network can set through PureBoot's
unauthenticated /api/v1/report) of '{{ lookup("pipe", ...) }}' would otherwise run on the controller.

Only strings that could hold a template (a '{' or '}') are wrapped: the others cannot be templated, and on
2.16-2.18 `ansible-inventory --list` prints a wrapped string as {"__ansible_unsafe": ...}, which tools reading
that output (AWX's inventory import) should see as rarely as possible.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from ansible.utils.unsafe_proxy import wrap_var

TEMPLATE_CHARACTERS = ('{', '}')


def make_unsafe(value):
    """value with every string that could hold a template marked unsafe, in nested dicts, lists and sets too."""
    # Plain strings and dicts first, by their exact type: nearly every value is one, and the abstract base
    # classes' isinstance checks below cost more than the rest of the walk.
    kind = type(value)
    if kind is str:
        return wrap_var(value) if '{' in value or '}' in value else value
    if kind is dict:
        return {make_unsafe(key): make_unsafe(item) for key, item in value.items()}
    if value is None or kind in (bool, int, float):
        return value
    if isinstance(value, Mapping):
        return {make_unsafe(key): make_unsafe(item) for key, item in value.items()}
    if isinstance(value, Set):
        return {make_unsafe(item) for item in value}
    if isinstance(value, (list, tuple)):
        return type(value)(make_unsafe(item) for item in value)
    if isinstance(value, bytes):
        return wrap_var(value) if any(char.encode() in value for char in TEMPLATE_CHARACTERS) else value
    if isinstance(value, str):
        return wrap_var(value) if any(char in value for char in TEMPLATE_CHARACTERS) else value
    return value
