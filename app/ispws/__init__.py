"""The CyberTipline Reporting API protocol (`/ispws/`): XML intake on top of the report intake (docs/ispws.md)."""
