"""Test support: the TDS test server and a pytest plugin. Imports nothing from core."""
