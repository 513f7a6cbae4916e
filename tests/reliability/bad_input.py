"""Bad input cases, generated from the modules' own argument specs.

The spec of each module is taken from its main(): AnsibleModule is swapped for a stand-in that keeps the
argument_spec it is given and stops there. Every option, suboptions included (hypervisor, pureboot, networks,
pureboot_node, and any added later), then gets:

- wrong_type: a value of the wrong type for its `type` (a string for an int, a dict for a list, ...);
- wrong_element: for lists of dicts or ints, an element of the wrong type;
- out_of_range: for ints, -1 and 2**40; for the options in OUT_OF_RANGE, a value of the right type that no
  hypervisor or PureBoot takes (an ftp:// URL, a MAC that is not one, a tag with spaces, tags Proxmox would
  split into others, ...);
- repeated: for pureboot_vm's lists of strings, one element twice (a boot device, a tag);
- unknown_name: for choices, a value that is not one; for dicts, a key that does not exist; for strings that
  name an object (template, node, cluster, group, ...), a name that does not exist;
- and for each module an option it does not have.

A new option gets the generic cases of its type without anyone touching this file. What a case must answer
is in expectation(): the general rule by class, refined for the options whose meaning calls for it.
"""

import copy
import importlib
import sys

from ansible.module_utils.basic import AnsibleModule

MODULES = ('pureboot_hypervisor', 'pureboot_vm', 'pureboot_vm_info', 'pureboot_vm_template_info')
MODULE_PACKAGE = 'ansible_collections.pureboot.hypervisors.plugins.modules.'
UNKNOWN_KEY = 'no_such_option'
# A list where a string belongs. No short elements: Ansible masks each element of a no_log list value
# wherever it appears in the output, so ['a', ...] would blank out every 'a' of the message.
LIST_VALUE = ['list-value-1', 'list-value-2']
LARGE = 2**40

# Values of the right type that are still wrong, by the option's last name.
OUT_OF_RANGE = {
    'api_url': 'ftp://127.0.0.1/',
    'url': 'ftp://127.0.0.1/',
    'ca_file': '/nonexistent/ca-bundle.pem',
    'mac': '52:54:00:zz:00:01',
    'api_token_id': 'token-without-realm',
    'tags': ['not a tag!'],
    # cloud_init (pureboot_vm): an address without its prefix, a gateway that is a name, keys and DNS that are not.
    'user': 'Root Admin',
    'ssh_keys': ['ssh-rsa AAAA%%%not-base64'],
    'address': '192.0.2.10',
    'gateway': 'router.example.com',
    'address6': '192.0.2.10/24',
    'gateway6': '192.0.2.1',
    'nameservers': ['dns.example.com'],
    'search_domains': ['not a domain!'],
    'user_data': 'packages: [htop]',
}
# The element a list option is given twice (repeated), where the list's elements have a form of their own.
REPEATED = {
    'ssh_keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f twice@example',
    'nameservers': '192.0.2.53',
    'search_domains': 'lab.example.com',
}
# Tags a hypervisor would store as other tags (Proxmox splits at spaces and lowercases).
SPLIT_TAGS = ['a', 'B', 'has space']
# The VM name a hypervisor refuses (not a DNS name); only where `name` names the VM to create.
REFUSED_VM_NAME = 'not_a_dns_name!'

# Strings that are labels or free text, not names of something that must exist: no unknown_name case.
FREE_TEXT = frozenset(('hypervisor.name', 'description', 'pureboot_node.hostname', 'pureboot_node.workflow_id', 'cloud_init.password'))
# Filters of the info modules: a name that matches nothing is an empty answer, not an error.
FILTERS = {'pureboot_vm_info': frozenset(('name', 'node', 'cluster', 'tags')), 'pureboot_vm_template_info': frozenset(('name', 'node', 'cluster'))}
# Large values that are legitimate (a long timeout is a choice, not a mistake).
LARGE_IS_VALID = frozenset(('timeout', 'wait_timeout'))


class _SpecCaptured(Exception):
    """Raised by the stand-in AnsibleModule once it holds the spec."""


def module_spec(name):
    """The argument_spec (and the other AnsibleModule arguments) the module's main() builds."""
    module = importlib.import_module(MODULE_PACKAGE + name)
    captured = {}

    def capture(argument_spec, **kwargs):
        captured.update(argument_spec=copy.deepcopy(argument_spec), kwargs=kwargs)
        raise _SpecCaptured()

    # Where main() finds AnsibleModule: the module itself, or the module_utils file that holds its code
    # (_vm_module.py, shared by pureboot_vm and its twins).
    ours = [held for name, held in sorted(sys.modules.items()) if name.startswith('ansible_collections.pureboot.hypervisors.plugins.module_utils.')]
    holders = [held for held in [module] + ours if getattr(held, 'AnsibleModule', None) is AnsibleModule]
    for holder in holders:
        holder.AnsibleModule = capture
    try:
        module.main()
    except _SpecCaptured:
        pass
    finally:
        for holder in holders:
            holder.AnsibleModule = AnsibleModule
    if not captured:
        raise AssertionError('{0}.main() built no AnsibleModule'.format(name))
    return captured


def walk_options(spec, prefix=()):
    """(path, option spec) of every option, suboptions after their parent; list-of-dict suboptions at index 0."""
    for option in sorted(spec):
        option_spec = spec[option]
        path = prefix + (option,)
        yield path, option_spec
        if option_spec.get('options'):
            inner = path + (0,) if option_spec.get('type') == 'list' else path
            yield from walk_options(option_spec['options'], inner)


def dotted(path):
    """('networks', 0, 'vlan') -> 'networks[0].vlan'."""
    text = ''
    for key in path:
        text += '[{0}]'.format(key) if isinstance(key, int) else ('.' if text else '') + key
    return text


def plain_path(path):
    """'networks.vlan' (no index), as the tables above name options."""
    return '.'.join(k for k in path if not isinstance(k, int))


class Case:
    """One bad input: module, the option's path, the class of mistake, the value, and its id."""

    def __init__(self, module, path, kind, value, variant=None, merge=False, option_type='str'):
        self.module = module
        self.type = option_type
        self.path = path
        self.kind = kind
        self.value = value
        self.variant = variant
        # merge: value is a dict of extra keys for the dict at path (an unknown suboption).
        self.merge = merge

    @property
    def option(self):
        return dotted(self.path)

    def case_id(self, backend):
        parts = ['input', backend, self.module, self.option, self.kind] + ([self.variant] if self.variant else [])
        return '/'.join(parts)

    def apply(self, base):
        """The module arguments: base with this one mistake in it."""
        args = copy.deepcopy(base)
        if self.module == 'pureboot_vm' and self.path == ('id',):
            # Asking for an id alone: with a name too, a missing id would mean "create it by name".
            args.pop('name', None)
        target = args
        for index, key in enumerate(self.path[:-1]):
            following = self.path[index + 1]
            if isinstance(key, int):
                while len(target) <= key:
                    target.append({})
            elif key not in target or not isinstance(target[key], (dict, list)):
                target[key] = [] if isinstance(following, int) else {}
            target = target[key]
        last = self.path[-1]
        if self.merge:
            if isinstance(last, int):
                while len(target) <= last:
                    target.append({})
            elif not isinstance(target.get(last), (dict, list)):
                target[last] = {}
            container = target[last]
            if isinstance(container, list):
                if not container:
                    container.append({})
                container = container[0]
            container.update(self.value)
        else:
            target[last] = copy.deepcopy(self.value)
        return args

    def shown_value(self):
        """The value as the docs table shows it."""
        if self.merge:
            return '{0} + {1!r}'.format(self.option, self.value)
        return repr(self.value)


def wrong_type_value(option_spec):
    kind = option_spec.get('type', 'str')
    return {'int': 'many', 'float': 'much', 'bool': 'perhaps', 'list': {'not': 'a list'}, 'dict': 'not-a-dict', 'str': LIST_VALUE, 'path': LIST_VALUE}.get(kind)


def module_cases(module, spec):
    """Every Case of one module's spec."""
    cases = []
    for path, option_spec in walk_options(spec):
        name = path[-1]
        kind = option_spec.get('type', 'str')
        elements = option_spec.get('elements')

        def add(mistake, value, path=path, kind=kind, **extra):  # this iteration's option, bound
            cases.append(Case(module, path, mistake, value, option_type=kind, **extra))

        if wrong_type_value(option_spec) is not None:
            add('wrong_type', wrong_type_value(option_spec))
        if kind == 'list' and elements in ('dict', 'int'):
            add('wrong_element', ['not-a-dict'] if elements == 'dict' else ['many'])
        if kind == 'int':
            add('out_of_range', -1, variant='low')
            add('out_of_range', LARGE, variant='high')
        elif name in OUT_OF_RANGE:
            add('out_of_range', OUT_OF_RANGE[name])
        elif module == 'pureboot_vm' and path == ('name',):
            add('out_of_range', REFUSED_VM_NAME)
        if name == 'tags':
            # What Proxmox would split into other tags (a;b;has;space): accepted, it could never converge.
            add('out_of_range', SPLIT_TAGS, variant='split')
        if module == 'pureboot_vm' and kind == 'list' and elements in (None, 'str'):
            # The same element twice: stored once, so it must be refused or converge.
            add('repeated', [(option_spec.get('choices') or [REPEATED.get(name, 'twice')])[0]] * 2)
        if option_spec.get('choices'):
            add('unknown_name', ['no-such-choice'] if kind == 'list' else 'no-such-choice')
        elif option_spec.get('options'):
            add('unknown_name', {UNKNOWN_KEY: 1}, merge=True)
        elif (
            kind in ('str', 'list') and elements in (None, 'str') and plain_path(path) not in FREE_TEXT and not (module == 'pureboot_vm' and path == ('name',))
        ):
            unknown = 'no-such-' + name.replace('_', '-')
            add('unknown_name', [unknown] if kind == 'list' else unknown)
    cases.append(Case(module, (UNKNOWN_KEY,), 'unknown_name', 1, option_type='raw'))
    return cases


def expectation(case, backend=None):
    """What the case must answer: fail, fail_or_converted, empty, ok or any (see the module docstring).

    A value Ansible cannot convert, a choice that is not one, an option that does not exist, a number out of
    range and a name of something that must exist (template, node, cluster, group, user, ...) must fail.
    Ansible turns a list given to a str option into its text: failing or going on with that text are both
    fine. A filter of an info module that matches nothing answers an empty list (or says the cluster, node...
    does not exist or does not apply to the hypervisor type). A large timeout is a choice. Every answer, whatever it is, must still
    be one clear line: the test checks that for all cases.
    """
    option = plain_path(case.path)
    if backend == 'libvirt' and case.module == 'pureboot_hypervisor' and case.kind == 'unknown_name' and option in PUREBOOT_LOGIN:
        # PureBoot's registry takes no libvirt connection: pureboot_hypervisor warns so and never logs in there,
        # so a wrong PureBoot login goes unnoticed (a wrong URL or CA file still fails, before any request).
        return 'ok'
    if case.module == 'pureboot_vm_template_info' and option.startswith('pureboot.'):
        # Accepted only so that group module_defaults apply, and never used (its DOCUMENTATION says so): a
        # PureBoot block the module never reads cannot be wrong for it.
        return 'any'
    if case.kind == 'wrong_type':
        return 'fail_or_converted' if case.type in ('str', 'path') else 'fail'
    if case.kind == 'wrong_element':
        return 'fail'
    if case.kind == 'repeated':
        # A boot device twice means nothing; a tag twice is the tag once (tags are a set).
        return 'fail' if option == 'boot_order' else 'ok'
    if option in FILTERS.get(case.module, ()):
        return 'empty'
    if case.kind == 'out_of_range':
        return 'any' if case.variant == 'high' and case.path[-1] in LARGE_IS_VALID else 'fail'
    return NOT_NAMES.get(option, 'fail')


# The options of the PureBoot login, which only a request to PureBoot can find wrong.
PUREBOOT_LOGIN = frozenset(('pureboot.username', 'pureboot.password', 'pureboot.api_key'))

# Unknown values of options that do not name something that must exist, and what each must answer.
NOT_NAMES = {
    # The base logs in with a password; an API token secret or an SSO token next to it may be ignored or refused.
    'hypervisor.api_token_secret': 'any',
    'hypervisor.token': 'any',
    # PureBoot does not check group ids (docs/pureboot-server.md); an unknown one is stored as given.
    'pureboot_node.group_id': 'any',
    # A tag nobody used before is just a new tag.
    'pureboot_node.tags': 'ok',
    'tags': 'ok',
    # cloud-init makes the user in the guest, and a search domain is any domain name: new ones are fine.
    'cloud_init.user': 'ok',
    'cloud_init.search_domains': 'ok',
}
