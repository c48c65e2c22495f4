"""Scoring trainees against the answer key, and the instructor's debrief of a shift."""
