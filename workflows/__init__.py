"""Procedure packages. Each exposes `register(registry)`, found via the `tongbu.workflows`
entry-point group (setup.cfg), so the engine never imports this package."""
