"""Routing: which unit a report's case goes to. The filter fields over a report and its case live here."""
