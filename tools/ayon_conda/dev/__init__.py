"""Development helpers: never used by a release."""
