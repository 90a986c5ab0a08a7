"""Test support: the TDS test server, the pytest kit (public API only), a real-server target."""
