"""make_unsafe: every string or bytes value that could hold a template (a brace, or the #jinja2: header) is
marked so Ansible never templates it, at any depth; everything else is left as it is, with its type."""

import pytest
from ansible.utils.unsafe_proxy import AnsibleUnsafe

from ansible_collections.pureboot.hypervisors.plugins.plugin_utils._unsafe import make_unsafe

try:  # ansible-core 2.19 and later: data is templated only when tagged as trusted; wrap_var removes the tag.
    from ansible.template import is_trusted_as_template, trust_as_template
except ImportError:  # ansible-core 2.16 to 2.18: wrap_var makes an AnsibleUnsafe copy.
    is_trusted_as_template = trust_as_template = None


def trusted(value):
    """value as a trusted template would be, where this ansible-core trusts anything: so a test only passes when
    make_unsafe really takes the trust away (on 2.19 and later a plain str is untrusted to begin with)."""
    return trust_as_template(value) if is_trusted_as_template else value


def is_unsafe(value):
    """Whether this ansible-core would refuse to template value."""
    if is_trusted_as_template:
        return not is_trusted_as_template(value)
    return isinstance(value, AnsibleUnsafe)


def is_untouched(out, given):
    """out is given itself: same value, same type, not marked."""
    return out is given and type(out) is type(given)  # pylint: disable=unidiomatic-typecheck


HEADER_TEMPLATE = "#jinja2:variable_start_string:'[[',variable_end_string:']]'\n[[ lookup('pipe', 'id') ]]"


@pytest.mark.parametrize('text', ['{{ lookup("pipe", "id") }}', '{% if 1 %}x{% endif %}', 'open {', 'close }', '{#', 'db-{{ 1 }}', HEADER_TEMPLATE])
def test_a_string_that_could_hold_a_template_is_unsafe(text):
    out = make_unsafe(trusted(text))
    assert is_unsafe(out)
    assert out == text and isinstance(out, str)


@pytest.mark.parametrize('text', ['web-01', '', 'a (b) [c] $d %e', 'ünïcode', '192.0.2.10', '[[ x ]]', 'see #jinja2: later'])
def test_a_string_without_braces_or_a_delimiters_header_is_left_as_it_is(text):
    given = trusted(text)
    assert is_untouched(make_unsafe(given), given)


def test_bytes_with_braces_are_unsafe_and_without_are_left_as_they_are():
    out = make_unsafe(b'{{ x }}')
    assert is_unsafe(out) and out == b'{{ x }}' and isinstance(out, bytes)
    plain = b'plain'
    assert is_untouched(make_unsafe(plain), plain)
    header = make_unsafe(HEADER_TEMPLATE.encode())
    assert is_unsafe(header) and isinstance(header, bytes)


@pytest.mark.parametrize('value', [None, 0, 42, -1.5, True, False], ids=repr)
def test_none_numbers_and_booleans_are_left_as_they_are(value):
    assert is_untouched(make_unsafe(value), value)


def test_nested_containers_are_marked_at_every_depth_and_keep_their_kind():
    given = {
        trusted('{{ key }}'): [trusted('{{ in a list }}'), (trusted('in a tuple {'), 'plain', 7), {trusted('{{ in a set }}')}],
        'plain key': {'deeper': [{'deepest': trusted('{{ deepest }}')}], 'count': 3, 'none': None},
        'frozen': frozenset([trusted('}')]),
    }
    out = make_unsafe(given)
    (key,) = [k for k in out if k not in ('plain key', 'frozen')]
    assert key == '{{ key }}' and is_unsafe(key)
    listed = out[key]
    assert type(listed) is list and is_unsafe(listed[0])  # pylint: disable=unidiomatic-typecheck
    assert type(listed[1]) is tuple and is_unsafe(listed[1][0])  # pylint: disable=unidiomatic-typecheck
    assert listed[1][1:] == ('plain', 7) and type(listed[1][1]) is str  # pylint: disable=unidiomatic-typecheck
    assert type(listed[2]) is set and all(is_unsafe(item) for item in listed[2])  # pylint: disable=unidiomatic-typecheck
    assert listed[2] == {'{{ in a set }}'}
    deepest = out['plain key']['deeper'][0]['deepest']
    assert deepest == '{{ deepest }}' and is_unsafe(deepest)
    assert (out['plain key']['count'], out['plain key']['none']) == (3, None)
    # Any other set comes back as a set: its members are marked all the same.
    assert out['frozen'] == {'}'} and all(is_unsafe(item) for item in out['frozen'])
    assert out == given, 'marking changes no value'


def test_the_input_is_not_changed():
    inner = [trusted('{{ x }}')]
    given = {'list': inner}
    out = make_unsafe(given)
    assert is_unsafe(out['list'][0])
    assert given['list'] is inner and out['list'] is not inner
    assert not is_unsafe(inner[0]), 'the caller keeps its own value as it was'
