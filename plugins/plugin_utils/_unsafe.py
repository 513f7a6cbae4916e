# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Marking data from hypervisors and PureBoot as unsafe, so Ansible never templates it.

ansible-core 2.16 to 2.18 template a string found in a host variable when a play or a `compose` entry reads
it; 2.19 and later do not template data an inventory plugin sets, but still honour the marking. A VM
description or a PureBoot node hostname (which anyone on the provisioning network can set through PureBoot's
unauthenticated /api/v1/report) of '{{ lookup("pipe", ...) }}' would otherwise run on the controller.

Only strings that could hold a template are wrapped: those with a '{' or '}', and those that start with
'#jinja2:', the header by which a template sets its own delimiters on 2.16-2.18 (a description of
"#jinja2:variable_start_string:'[[',variable_end_string:']]'" and a newline, then "[[ lookup('pipe', ...) ]]",
runs the command with no brace in it). Nothing else can be templated: delimiters that a play gives the
template module or lookup apply to the template file only, and the variables it reads are templated with the
default ones. The rest are left as they are because on 2.16-2.18 `ansible-inventory --list` prints a wrapped
string as {"__ansible_unsafe": ...}, which tools reading that output (AWX's inventory import) should see as rarely
as possible.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from ansible.utils.unsafe_proxy import wrap_var

# JINJA2_OVERRIDE of ansible-core (ansible.template up to 2.18, a private module since 2.19), spelt out.
DELIMITERS_HEADER = '#jinja2:'


def could_be_template(text):
    """Whether ansible-core could template text: it holds a brace, or it sets its own delimiters."""
    return '{' in text or '}' in text or text.startswith(DELIMITERS_HEADER)


def make_unsafe(value):
    """value with every string that could hold a template marked unsafe, in nested dicts, lists and sets too."""
    # Plain strings and dicts first, by their exact type: nearly every value is one, and the abstract base
    # classes' isinstance checks below cost more than the rest of the walk.
    kind = type(value)
    if kind is str:
        return wrap_var(value) if could_be_template(value) else value
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
        return wrap_var(value) if could_be_template(value.decode('utf-8', 'replace')) else value
    if isinstance(value, str):
        return wrap_var(value) if could_be_template(value) else value
    return value
