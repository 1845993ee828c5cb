"""Procurement projects: saved and frozen searches, decisions with reasons, outcomes, exports."""
