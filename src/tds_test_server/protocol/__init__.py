"""The wire side of the TDS test server: packets, PRELOGIN, TLS, LOGIN7, tokens, RPC,
type encodings and the threaded server that drives an engine session per client."""
