"""PVE's published API schema inside the test suite: every request a test sends to fakepve is checked against it.

validator.py checks one request (path, method, parameters, named formats) the way PVE's API server does;
pve-api-trimmed.json is the schema data (see README.md for its version, date and licence); checked.py hooks the
validator into the fakepve fixture.
"""
