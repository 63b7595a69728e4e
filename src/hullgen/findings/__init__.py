"""Findings: statistics, figures and the claims table from the hull tables."""
