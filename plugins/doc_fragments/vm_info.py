# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options of pureboot_vm_info, shared with its twin of each type (pureboot_vm_info_<type>); their argument spec
    is in plugins/module_utils/_vm_info_module.py."""

    DOCUMENTATION = r"""
options:
  name:
    description:
      - Exact name or shell-style glob (V(web-*)) of the VMs to list; case-sensitive.
    type: str
  status:
    description:
      - Only VMs in one of these statuses.
    type: list
    elements: str
    choices: [running, stopped, paused, suspended, starting, stopping, locked, unknown]
  node:
    description:
      - Only VMs on this Proxmox node, oVirt host or libvirt host.
      - A node that does not exist fails the task with the list of those that do.
    type: str
  cluster:
    description:
      - Only VMs of this oVirt cluster.
      - A cluster that does not exist fails the task with the list of those that do; on Proxmox VE, which places VMs
        by node, the filter fails as not applying.
    type: str
  tags:
    description:
      - Only VMs that carry every one of these tags (case-insensitive).
    type: list
    elements: str
  include_templates:
    description:
      - List templates too.
    type: bool
    default: false
"""
