"""Processing provider "SOS" and its algorithms, one per module."""
