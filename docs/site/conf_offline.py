
# ---- Appended by `make docs` to the conf.py that `antsibull-docs sphinx-init` wrote ----
# The site is built without network access (CI and the project's machines have none): Sphinx could not fetch the
# intersphinx inventories sphinx-init lists, and -W turns each failed fetch into an error. The few references
# antsibull-docs writes into Ansible's own documentation are resolved here instead, to their pages there; any
# other unresolved reference still fails the build.

intersphinx_mapping = {}

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# Labels of Ansible's documentation that antsibull-docs refers to: label -> (page#anchor, title).
ANSIBLE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
}


def resolve_ansible_reference(app, env, node, contnode):
    """A link to Ansible's documentation for a label of ANSIBLE_LABELS or an ANSIBLE_* variable; None otherwise."""
    from docutils import nodes

    target = node.get('reftarget', '')
    if node.get('reftype') == 'ref' and target in ANSIBLE_LABELS:
        page, title = ANSIBLE_LABELS[target]
        if not node.get('refexplicit'):
            contnode = nodes.inline(title, title)
    elif node.get('reftype') == 'envvar' and target.startswith('ANSIBLE_'):
        page = 'reference_appendices/config.html#envvar-' + target
    else:
        return None
    reference = nodes.reference('', '', internal=False, refuri=ANSIBLE_DOCS + page)
    reference.append(contnode)
    return reference


def setup(app):
    app.connect('missing-reference', resolve_ansible_reference)
