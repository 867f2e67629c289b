"""Procedure definitions (YAML), the rules catalogue and the local policy parameters."""
