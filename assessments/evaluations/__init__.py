"""Scored procurement evaluations over a shortlist (weighted criteria, reasons, sensitivity)."""
