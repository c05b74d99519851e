"""API of the SAMPLE AWS Deadline Cloud addon (not AYON code)."""
