"""Report intake."""
