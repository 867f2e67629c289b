"""Definitions: the file format, the loaded model, the loader that builds the machines."""
