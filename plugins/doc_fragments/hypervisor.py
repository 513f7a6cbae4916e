# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The `hypervisor` connection option, the same for every module (plugins/module_utils/_options.py)."""

    DOCUMENTATION = r"""
options:
  hypervisor:
    description:
      - One hypervisor connection. The same dictionary works for every module of this collection and, as a list entry,
        for the inventory plugin.
      - Set it once for a play with C(module_defaults) and the C(group/pureboot.hypervisors.all) action group.
      - Keep O(hypervisor.password), O(hypervisor.api_token_secret) and O(hypervisor.token) in Ansible Vault.
      - Every suboption that names an environment variable falls back to it, so AWX credential types can inject them.
      - A credential goes only to the system it was given for. E(PUREBOOT_HV_TYPE) and E(PUREBOOT_HV_URL) fill
        O(hypervisor.type) and O(hypervisor.api_url) where unset; the other variables fill a connection only when
        E(PUREBOOT_HV_TYPE) is unset or equals its type and E(PUREBOOT_HV_URL) is unset or equals its URL, and the
        credentials only when the connection names none of its own.
    type: dict
    suboptions:
      name:
        description:
          - Label of the hypervisor in results, messages, inventory groups and the PureBoot registry.
          - Defaults to the host part of O(hypervisor.api_url).
        type: str
      type:
        description:
          - The kind of hypervisor.
          - Falls back to the E(PUREBOOT_HV_TYPE) environment variable.
        type: str
        choices: [libvirt, ovirt, proxmox]
      api_url:
        description:
          - Address of the API. Proxmox VE and oVirt / RHV, V(https://) only (these APIs are served over TLS;
            V(http://) is refused).
          - Proxmox VE, for example V(https://pve1.example.com:8006).
          - oVirt / RHV, the engine's API, for example V(https://engine.example.com/ovirt-engine/api); a bare
            V(https://engine.example.com) means that path.
          - libvirt / KVM, a libvirt URI of the host's QEMU driver, for example V(qemu:///system) (this machine),
            V(qemu+ssh://root@kvm1.example.com/system) (SSH, with the controller's keys or agent; add
            V(?keyfile=/path/to/key) for another key) or V(qemu+tls://kvm1.example.com/system) (TLS with a client
            certificate). V(qemu+tcp://) sends everything in cleartext and is accepted to a loopback address only.
          - Falls back to the E(PUREBOOT_HV_URL) environment variable.
        type: str
      username:
        description:
          - User to log in as, for example V(root@pam) on Proxmox VE or V(admin@internal) on oVirt / RHV.
          - On libvirt, the SASL user, given to the daemon only when it asks for a SASL login (with
            O(hypervisor.password)); the SSH user is part of the URI.
          - Falls back to the E(PUREBOOT_HV_USERNAME) environment variable.
        type: str
      password:
        description:
          - Password of O(hypervisor.username).
          - Falls back to the E(PUREBOOT_HV_PASSWORD) environment variable.
        type: str
      api_token_id:
        description:
          - Proxmox VE API token id, V(user@realm!tokenname), used instead of a password.
          - Falls back to the E(PUREBOOT_HV_TOKEN_ID) environment variable.
        type: str
      api_token_secret:
        description:
          - Secret of the Proxmox VE API token.
          - Falls back to the E(PUREBOOT_HV_TOKEN_SECRET) environment variable.
        type: str
      token:
        description:
          - oVirt / RHV SSO access token, used instead of a username and password. With a username and password too,
            a new token is fetched when this one expires. A token given here is never logged out.
          - Falls back to the E(PUREBOOT_HV_TOKEN) environment variable.
        type: str
      verify_ssl:
        description:
          - Verify the API's TLS certificate. Turn it off only for a lab.
          - On libvirt, V(false) adds C(no_verify=1) to the URI, so that neither the daemon's TLS certificate
            (V(qemu+tls://)) nor the SSH host key (V(qemu+ssh://)) is checked.
        type: bool
        default: true
      ca_file:
        description:
          - CA bundle to verify the API's certificate against.
          - On libvirt (V(qemu+tls://)), the CA that signed the daemon's certificate; the client certificate and
            key stay where libvirt looks for them (C(pkipath) of the URI, C(/etc/pki/libvirt/) for root,
            C(~/.pki/libvirt/) otherwise).
          - Falls back to the E(PUREBOOT_HV_CA_FILE) environment variable.
        type: path
      timeout:
        description:
          - Seconds to wait for each API request (waits for tasks and power states have their own timeouts).
        type: int
        default: 30
requirements:
  - proxmoxer >= 2.0 and requests, for Proxmox VE
  - ovirt-engine-sdk-python >= 4.6, for oVirt/RHV
  - libvirt-python >= 9.0, for libvirt / KVM (it builds against the system's libvirt headers)
"""
