# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The attributes every module of this collection shares; INFO_MODULE adds those of the read-only modules."""

    DOCUMENTATION = r"""
attributes:
  action_group:
    support: full
    membership:
      - pureboot.hypervisors.all
  platform:
    platforms: posix
"""

    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details: This module only reads.
  diff_mode:
    support: N/A
    details: This module only reads.
"""
