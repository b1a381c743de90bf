"""Evaluation: gold set, systems compared, metrics and reports."""
