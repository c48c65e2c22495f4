"""tipdesk: case-management API for law-enforcement training on CyberTipline-style reports."""

__version__ = "0.1.0"
