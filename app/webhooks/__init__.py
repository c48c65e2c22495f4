"""Webhooks: endpoints an instructor registers per exercise, and the dispatcher delivering the event log to them."""
