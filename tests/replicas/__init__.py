"""Loopback replicas of the scholarly APIs, one module per API (synthetic data)."""
