# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The oVirt engine's search language (the `search` parameter of its collections): values quoted when needed, a name
glob cut to the one wildcard the engine knows. Pure functions."""

from __future__ import annotations

import re

_PLAIN_SEARCH_VALUE = re.compile(r'^[\w.*-]+$')


def _search_value(value):
    """A value for the engine's search language: bare when that is safe, quoted otherwise (None if impossible)."""
    value = str(value)
    if _PLAIN_SEARCH_VALUE.match(value):
        return value
    if '"' in value:
        return None
    return '"{0}"'.format(value)


def _name_search(pattern):
    """The search clause for a name glob: the engine knows only '*', so cut the glob at any other wildcard."""
    cut = min([i for i in (pattern.find('?'), pattern.find('[')) if i >= 0] or [len(pattern)])
    prefix = pattern[:cut] if cut == len(pattern) else pattern[:cut].rstrip('*') + '*'
    value = _search_value(prefix) if prefix.strip('*') else None
    return 'name={0}'.format(value) if value else None
