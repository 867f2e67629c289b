"""The administrators' pages (issue 15): users, the unit tree, API tokens and the audit trail.

Only the `admin` role gets past `before_request` (everyone else gets the 403 page); the engine
checks again (`engine.directory.admin.require_admin`). Each post is one call of
`engine.directory.admin`, which makes the change and writes its audit row in one transaction
(users and tokens: `users.py`; units and the audit trail: `units.py`).
The only thing these views do besides parsing and rendering is the web layer's part of a
password: it hashes a typed one, or makes one up and shows it once — as it shows a new API
token's secret once. Neither is ever stored or logged in clear.
"""

from __future__ import annotations

from flask import Blueprint

from engine.directory import admin
from web.ui.common import actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only() -> None:
    """Sign-in is checked first (web.ui.register_ui); then the role: 403 for everyone else."""
    admin.require_admin(actor())


from web.ui.admin import units, users  # noqa: E402, F401  (the views attach themselves to `bp`)
