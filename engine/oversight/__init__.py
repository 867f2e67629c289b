"""Oversight: deadlines swept and escalated, stalls, notifications, the ACC-1 figures."""
