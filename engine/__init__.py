"""The generic workflow engine: knows no procedure and no web framework."""
