"""Tables for notifications, the escalation ledger and stall flags."""

from __future__ import annotations
