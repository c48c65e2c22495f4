"""The fabricator of exercise data: safe by construction (see DESIGN.md)."""
