"""Data exchange: export and import (issue 5)."""

from __future__ import annotations

from sitlog.cli_common import app  # noqa: F401
