"""Tests of app.reports."""
