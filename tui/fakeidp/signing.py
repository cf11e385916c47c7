"""RS256 signing with one RSA key per fake, published as a JWKS like Microsoft's keys endpoint.

Tokens carry ``kid`` (and ``x5t``) naming the key, and the discovery document's
``jwks_uri`` serves its public half, so any real JWT validator (a mail server's
local OAuth2 validation, PyJWT, a browser library) can check them exactly as it
checks Microsoft's. The key is made on first use: many fakes in a test run never
issue a token, and an RSA key costs tens of milliseconds to make.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

KEY_BITS = 2048
_CERT_DAYS = 365


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _uint(number: int) -> str:
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    """A private key, its self-signed certificate (for ``x5c``) and its key id."""

    private: rsa.RSAPrivateKey
    cert_der: bytes
    kid: str

    @classmethod
    def generate(cls, now: float) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             "exo-oauth local identity provider")])
        start = datetime.datetime.fromtimestamp(now - 86400, datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(private.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(start)
                .not_valid_after(start + datetime.timedelta(days=_CERT_DAYS))
                .sign(private, hashes.SHA256()))
        der = cert.public_bytes(serialization.Encoding.DER)
        # Microsoft's kid is the certificate's SHA-1 thumbprint, base64url; so is x5t.
        return cls(private, der, b64url(hashlib.sha1(der).digest()))

    def jwk(self, issuer: str | None = None) -> dict[str, object]:
        numbers = self.private.public_key().public_numbers()
        key: dict[str, object] = {
            "kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid,
            "n": _uint(numbers.n), "e": _uint(numbers.e),
            "x5c": [base64.b64encode(self.cert_der).decode("ascii")],
        }
        if issuer:
            key["issuer"] = issuer
        return key


class TokenMinter:
    """Makes RS256 JWTs and checks the ones this fake made; one key per fake instance."""

    def __init__(self, now: float) -> None:
        self._now = now
        self._key: SigningKey | None = None
        self._lock = threading.Lock()

    @property
    def key(self) -> SigningKey:
        with self._lock:
            if self._key is None:
                self._key = SigningKey.generate(self._now)
            return self._key

    def _header(self) -> str:
        kid = self.key.kid
        return b64url(json.dumps({"typ": "JWT", "alg": "RS256", "x5t": kid, "kid": kid},
                                 separators=(",", ":")).encode())

    def make(self, claims: dict[str, object]) -> str:
        body = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{self._header()}.{body}".encode("ascii")
        signature = self.key.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode('ascii')}.{b64url(signature)}"

    def check(self, token: str) -> dict[str, object] | None:
        """The claims if this instance signed the token (expired or not), else None."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header = json.loads(b64url_decode(parts[0]))
            if not isinstance(header, dict) or header.get("alg") != "RS256" \
                    or header.get("kid") != self.key.kid:
                return None
            self.key.private.public_key().verify(
                b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"),
                padding.PKCS1v15(), hashes.SHA256())
            claims = json.loads(b64url_decode(parts[1]))
        except (ValueError, UnicodeError, InvalidSignature):
            return None
        return claims if isinstance(claims, dict) else None

    def jwks(self, issuer: str | None = None) -> dict[str, object]:
        """The JSON Web Key Set served at the discovery document's ``jwks_uri``."""
        return {"keys": [self.key.jwk(issuer)]}
