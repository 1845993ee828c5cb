"""Immutable listing versions: every published change to a tool or active supplier."""
