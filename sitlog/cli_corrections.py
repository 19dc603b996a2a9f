"""Corrections: amend, retract, undo, show (issue 4)."""

from __future__ import annotations

from sitlog.cli_common import app  # noqa: F401
