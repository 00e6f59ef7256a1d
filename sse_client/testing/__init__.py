"""Test support: the mock chat backend used by the end-to-end tests and the demo."""
