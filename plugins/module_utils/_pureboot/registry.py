# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""PureBoot's hypervisor registry: the entry a hypervisor connection should have, planned (RegistryPlan: what
changes, shown to check mode and --diff without the password it holds) and carried out through the client."""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import registry_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.link import Applied

REGISTRY_VIEW_KEYS = ('id', 'name', 'type', 'api_url', 'username', 'verify_ssl')
REGISTRY_PATCH_FIELDS = ('api_url', 'username', 'verify_ssl')
PASSWORD_UPDATES = ('on_create', 'always')
PASSWORD_WARNING = 'the hypervisor password is sent to PureBoot, which stores it base64-encoded (readable by anyone with access to its database), not encrypted'

PASSWORD_NOT_SENT = (
    'register_credentials: the registry entry exists already, so the password was not sent (PureBoot '
    'never returns it, so whether the entry holds one cannot be told); to send it, run once with '
    'password_update: always'
)


def registry_desired(connection, register_credentials=False):
    """The registry entry a hypervisor connection (_driver.Connection) should have; the password only when asked."""
    desired = connection.public()
    if register_credentials and connection.password:
        desired['password'] = connection.password
    return desired


def registry_view(record):
    """The part of a registry entry --diff shows (there is no password to show: the API never returns it)."""
    if not record:
        return {}
    return {key: record.get(key) for key in REGISTRY_VIEW_KEYS}


@dataclass(frozen=True)
class RegistryPlan:
    """What to do to one registry entry (made by plan_registry, never changed afterwards).

    action: create | update | delete | none. desired, create and patch never hold the password: it is kept
    apart in `password`, set only when it is to be sent, left out of repr() and str(), and joined to the
    request only by create_fields()/patch_fields() as the request goes out.
    """

    action: str
    subject: str
    desired: dict
    current: dict | None
    before: dict
    after: dict
    password_update: str
    create: dict | None = None
    patch: dict = field(default_factory=dict)
    warnings: tuple = ()
    password: str | None = field(default=None, repr=False)

    @property
    def changed(self):
        return self.action != 'none'

    @property
    def record_id(self):
        return (self.current or {}).get('id')

    @property
    def sends_password(self):
        return self.password is not None

    def create_fields(self):
        """The body of the POST, with the password when it is sent."""
        return dict(self.create, password=self.password) if self.sends_password else dict(self.create)

    def patch_fields(self):
        """The body of the PATCH, with the password when it is sent."""
        return dict(self.patch, password=self.password) if self.sends_password else dict(self.patch)


def plan_registry(current, desired, state='present', password_update='on_create'):
    """The RegistryPlan that brings the registry entry current (or None) to desired (name, type, api_url, username,
    verify_ssl, and password when it is to be sent). Pure.

    action: create | update (PATCH of the differing fields) | delete (state absent) | none. The password
    cannot be read back: it goes out on create, and on update only with password_update 'always' (which
    then changes every run, like the user module's update_password). A different type cannot be PATCHed:
    ConflictError.
    """
    if password_update not in PASSWORD_UPDATES:
        raise InvalidInputError('password_update must be one of {0}'.format(', '.join(PASSWORD_UPDATES)))
    password = desired.get('password') or None
    public = {key: value for key, value in desired.items() if key != 'password'}
    before = registry_view(current)
    known = dict(subject=registry_subject(public.get('name')), desired=public, current=current, before=before, password_update=password_update)
    if state == 'absent':
        if current:
            return RegistryPlan(action='delete', after={}, **known)
        return RegistryPlan(action='none', after=registry_view(current), **known)
    if current is None:
        create = {key: public[key] for key in ('name', 'type', 'api_url', 'username', 'verify_ssl') if public.get(key) is not None}
        # PureBoot gives the id: --diff shows no `id` rather than a null the entry will never have.
        after = {key: public.get(key) for key in REGISTRY_VIEW_KEYS if key != 'id'}
        return RegistryPlan(action='create', after=after, create=create, password=password, warnings=(PASSWORD_WARNING,) if password else (), **known)
    if public.get('type') and public['type'] != current.get('type'):
        raise ConflictError(
            'PureBoot has it as type {0}, the connection is {1}; PureBoot cannot change the type of an '
            'entry: remove it first (state: absent), then add it again'.format(current.get('type'), public['type']),
            subject=known['subject'],
        )
    patch = {key: public[key] for key in REGISTRY_PATCH_FIELDS if public.get(key) is not None and public[key] != current.get(key)}
    sent_password = password if password_update == 'always' else None
    warnings = (PASSWORD_WARNING,) if sent_password else ()
    if password and not sent_password:
        # register_credentials turned on for an entry made without it: PureBoot never gives a password back, so
        # whether the entry holds one cannot be known, and on_create does not send it.
        warnings = (PASSWORD_NOT_SENT,)
    return RegistryPlan(
        action='update' if patch or sent_password else 'none', after=dict(before, **patch), patch=patch, password=sent_password, warnings=warnings, **known
    )


def apply_registry_plan(client, plan):
    """Carry out a RegistryPlan; returns Applied(plan carried out, entry as PureBoot answered, None once deleted)."""
    if plan.action == 'create':
        try:
            return Applied(plan, client.create_hypervisor(**plan.create_fields()))
        except ConflictError:
            # The name was taken between the read and the POST (another run registered the same connection):
            # the entry exists now, so it is brought in line instead. One second attempt, planned against that
            # entry, which is never a create.
            current = client.find_hypervisor(plan.desired['name'])
            if current is None:
                raise
            desired = dict(plan.desired, password=plan.password) if plan.sends_password else plan.desired
            plan = plan_registry(current, desired, password_update=plan.password_update)
    if plan.action == 'delete':
        client.delete_hypervisor(plan.record_id)
        return Applied(plan, None)
    if plan.action == 'update':
        return Applied(plan, client.update_hypervisor(plan.record_id, **plan.patch_fields()))
    return Applied(plan, plan.current)


def ensure_registry(client, desired, state='present', password_update='on_create', check_mode=False):
    """Keep the registry entry named desired['name'] in line; {'changed', 'registry', 'diff', 'warnings', 'action'}."""
    current = client.find_hypervisor(desired['name'])
    plan = plan_registry(current, desired, state=state, password_update=password_update)
    if check_mode:
        record = (plan.after or None) if plan.changed else current
    else:
        applied = apply_registry_plan(client, plan)
        plan, record = applied.plan, applied.record
    return {
        'changed': plan.changed,
        'registry': registry_view(record) if record else None,
        'diff': {'before': plan.before, 'after': plan.after},
        'warnings': list(plan.warnings),
        'action': plan.action,
    }
