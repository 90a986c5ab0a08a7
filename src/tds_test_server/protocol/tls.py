"""TLS inside PRELOGIN: a self-signed certificate and an ssl.MemoryBIO engine.

TDS 7.x runs the TLS handshake inside PRELOGIN packets, then sends TLS records
directly on the socket. TLS is capped at 1.2: with 1.3 both ODBC drivers hung.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@functools.cache
def _certificate_pem() -> tuple[bytes, bytes]:
    """A self-signed certificate for localhost, made once per process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    cert_pem, key_pem = _certificate_pem()
    # load_cert_chain reads files only; the file lives just long enough to be read.
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key_pem + cert_pem)
        context.load_cert_chain(path)
    finally:
        os.unlink(path)
    return context


class TlsEngine:
    """A server-side TLS connection fed and drained by hand (no socket of its own)."""

    def __init__(self, context: ssl.SSLContext):
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._ssl = context.wrap_bio(self._incoming, self._outgoing, server_side=True)

    def handshake(self, data: bytes) -> tuple[bytes, bool]:
        """Feed client handshake bytes; return bytes to send and whether it is done."""
        self._incoming.write(data)
        try:
            self._ssl.do_handshake()
            finished = True
        except ssl.SSLWantReadError:
            finished = False
        return self._outgoing.read(), finished

    def encrypt(self, data: bytes) -> bytes:
        self._ssl.write(data)
        return self._outgoing.read()

    def decrypt(self, data: bytes) -> bytes:
        """Plain text from received records; b'' until a whole record is there."""
        self._incoming.write(data)
        out = bytearray()
        while True:
            try:
                chunk = self._ssl.read(65536)
            except ssl.SSLWantReadError:
                return bytes(out)
            except ssl.SSLZeroReturnError:
                return bytes(out)
            if not chunk:
                return bytes(out)
            out += chunk
