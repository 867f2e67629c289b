"""JSON API, /api/v1 (issue: JSON API with an OpenAPI description)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
