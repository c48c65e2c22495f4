"""Seeding exercises from scenarios (the fabricator itself is the top-level ``seed`` package) and the answer keys
instructors grade against."""
