"""What an operator runs against an environment: `make status` (one screen of what needs attention)."""
