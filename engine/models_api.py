"""Tables for API tokens and idempotency keys."""

from __future__ import annotations
