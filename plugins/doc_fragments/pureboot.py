# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The `pureboot` server option (plugins/module_utils/_pureboot/client.py)."""

    DOCUMENTATION = r"""
options:
  pureboot:
    description:
      - The PureBoot server. Without it (and without its environment variables) nothing is sent to PureBoot.
      - Log in with O(pureboot.api_key), or with O(pureboot.username) and O(pureboot.password) (the login is renewed
        when it expires). Keep them in Ansible Vault.
      - A credential goes only to the server it was given for. E(PUREBOOT_URL) fills O(pureboot.url) where unset;
        E(PUREBOOT_API_KEY), E(PUREBOOT_USERNAME), E(PUREBOOT_PASSWORD) and E(PUREBOOT_CA_FILE) fill the option only
        when E(PUREBOOT_URL) is unset or equals O(pureboot.url) (a trailing slash and case aside), and the
        credentials only when the option names none of its own. A task naming another server never sends it the
        environment's key.
    type: dict
    suboptions:
      url:
        description:
          - Address of the server, for example V(https://pureboot.example.com); the API is under C(/api/v1).
          - A URL that does not answer as PureBoot's API (a wrong path, another web server) fails the task with one line
            saying so; PureBoot's web UI answers any unknown address with a success, so every answer is checked.
          - V(http://) is accepted for this machine (V(localhost), C(127.0.0.0/8), V(::1)); for any other host only with
            O(pureboot.allow_insecure_http=true).
          - Falls back to the E(PUREBOOT_URL) environment variable.
        type: str
      api_key:
        description:
          - An API key (V(pb_live_...)), sent as a Bearer token.
          - Falls back to the E(PUREBOOT_API_KEY) environment variable, for the server E(PUREBOOT_URL) names.
        type: str
      username:
        description:
          - User to log in as, instead of an API key.
          - Falls back to the E(PUREBOOT_USERNAME) environment variable, for the server E(PUREBOOT_URL) names.
        type: str
      password:
        description:
          - Password of O(pureboot.username).
          - Falls back to the E(PUREBOOT_PASSWORD) environment variable, for the server E(PUREBOOT_URL) names.
        type: str
      verify_ssl:
        description:
          - Verify the server's TLS certificate.
          - With V(false) the task warns once that the traffic, credentials included, can be read and changed on the
            way; give O(pureboot.ca_file) instead where you can.
        type: bool
        default: true
      ca_file:
        description:
          - CA bundle to verify the server's certificate against.
          - Falls back to the E(PUREBOOT_CA_FILE) environment variable, for the server E(PUREBOOT_URL) names.
        type: path
      timeout:
        description: Seconds to wait for each request.
        type: int
        default: 30
      allow_insecure_http:
        description:
          - Accept an V(http://) O(pureboot.url) to another machine, for a server that is only reachable that way.
          - The API key or password and every answer then cross the network unencrypted; the task warns once.
          - Not needed for V(http://) to this machine.
        type: bool
        default: false
"""
