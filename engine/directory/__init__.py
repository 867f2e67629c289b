"""The directory: units, users, social organizations, Party organizations, members."""
