"""The counsellor workspace: inbox, case view, take-over, records, statistics (under /workspace)."""
