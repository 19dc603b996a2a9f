"""Analyst reports: status, history, summary, demo, check, backup (issue 3)."""

from __future__ import annotations

from sitlog.cli_common import app  # noqa: F401
