"""A fakepve whose every request is first checked against PVE's published API schema (validator.py).

A request PVE's own API server would refuse gets PVE's answer to it — 400 "Parameter verification failed." with
an error per parameter (PVE::JSONSchema::validate) — and is recorded in ``pve.schema_violations``; the fakepve
fixture then fails the test that sent it (tests/simulators/fakepve_net/fixtures.py). fakepve's own checks still
run after these, on what passes.
"""

from fakepve.model import PveError
from fakepve.server import error, params

from .validator import schema


class SchemaChecked:
    """Mixin for a FakePve: requests checked against the trimmed PVE schema before fakepve answers them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One dict per refused request: method, path, errors ({parameter: message}).
        self.schema_violations = []

    async def _answer(self, request, handler, generic, path_node):
        try:
            values = await params(request)
        except PveError:
            values = None  # a body PVE cannot read: fakepve answers it as PVE does
        if values is not None:
            errors = schema().check(request.method, request.path, values)
            if errors:
                self.schema_violations.append({'method': request.method, 'path': request.path, 'errors': dict(errors)})
                return error(400, 'Parameter verification failed.', dict(errors))
        return await super()._answer(request, handler, generic, path_node)
