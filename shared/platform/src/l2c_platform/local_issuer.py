"""The local OpenID Connect issuer for development, the demo and the tests.

It holds RSA signing keys under `$L2C_HOME/oidc/keys/` (made on first start), serves the
discovery document and the JWKS over HTTP at the standard paths, so the services verify
tokens exactly as they would against Keycloak, Auth0 or Entra ID, and signs tokens for
`l2c token`. Rotation: `rotate` adds a key with a new kid that signs from then on; tokens of
the old key stay valid until `retire <kid>` removes it from the JWKS.

    python -m l2c_platform.local_issuer serve|rotate|retire <kid>|keys
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

DEFAULT_PORT = 9400
AUDIENCE = "l2c"
ALGORITHM = "RS256"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/protocol/openid-connect/certs"


def state_dir() -> Path:
    return Path(os.environ.get("L2C_HOME") or Path.home() / ".l2c") / "oidc"


def issuer_url() -> str:
    """The issuer the services are told to trust (`L2C_OIDC_ISSUER`), else the local one."""
    explicit = os.environ.get("L2C_OIDC_ISSUER")
    if explicit:
        return explicit
    return f"http://127.0.0.1:{os.environ.get('L2C_OIDC_PORT', DEFAULT_PORT)}"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    created: float


class KeyRing:
    """The issuer's keys on disk, one PEM file per kid; the newest one signs."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / "keys"

    def signing_keys(self) -> list[SigningKey]:
        found = []
        for path in self.directory.glob("*.pem"):
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            found.append(SigningKey(path.stem, key, path.stat().st_mtime))
        return sorted(found, key=lambda k: (k.created, k.kid))

    def ensure_key(self) -> SigningKey:
        keys = self.signing_keys()
        return keys[-1] if keys else self.rotate()

    def rotate(self) -> SigningKey:
        """A new key with a new kid; it signs from now on, the older ones still verify."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = f"{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}"
        path = self.directory / f"{kid}.pem"
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return SigningKey(kid, key, path.stat().st_mtime)

    def retire(self, kid: str) -> None:
        """Remove a key: tokens it signed stop verifying once the services refetch the JWKS."""
        path = self.directory / f"{kid}.pem"
        if not path.exists():
            raise KeyError(f"no key {kid!r} in {self.directory}")
        if len(self.signing_keys()) == 1:
            raise ValueError("cannot retire the only key; rotate first")
        path.unlink()

    def jwks(self) -> dict[str, Any]:
        keys = []
        for key in self.signing_keys():
            jwk = RSAAlgorithm.to_jwk(key.private_key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": key.kid, "use": "sig", "alg": ALGORITHM})
        return {"keys": keys}


def discovery_document(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "jwks_uri": issuer.rstrip("/") + JWKS_PATH,
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "subject_types_supported": ["public"],
        "response_types_supported": ["token"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "roles", "team"],
    }


def mint_token(
    roles: Sequence[str],
    subject: str,
    teams: Sequence[str] = (),
    ttl_seconds: int = 3600,
    *,
    audience: str | None = None,
    issuer: str | None = None,
    directory: Path | None = None,
) -> str:
    """A bearer token signed by the local issuer's current key."""
    ring = KeyRing(directory or state_dir())
    keys = ring.signing_keys()
    if not keys:
        raise FileNotFoundError(
            f"the local issuer has no keys in {ring.directory}: run deploy/local/oidc.sh start"
        )
    key = keys[-1]
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer or issuer_url(),
        "aud": audience or os.environ.get("L2C_OIDC_AUDIENCE", AUDIENCE),
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": secrets.token_hex(8),
        "roles": list(roles),
    }
    if teams:
        claims["team"] = list(teams)
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def issuer_server(port: int, directory: Path, issuer: str) -> ThreadingHTTPServer:
    """The issuer's HTTP server (not yet serving); port 0 picks a free port."""
    ring = KeyRing(directory)
    ring.ensure_key()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == DISCOVERY_PATH:
                self._json(discovery_document(issuer))
            elif self.path == JWKS_PATH:
                self._json(ring.jwks())  # read each time: a rotation needs no restart
            elif self.path == "/health":
                self._json({"status": "ok"})
            else:
                self.send_error(404)

        def _json(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "max-age=60")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def serve(port: int, directory: Path) -> None:
    server = issuer_server(port, directory, issuer_url())
    print(f"local issuer {issuer_url()} serving keys from {directory}", flush=True)
    server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "serve"
    directory = state_dir()
    ring = KeyRing(directory)
    if command == "serve":
        serve(int(os.environ.get("L2C_OIDC_PORT", DEFAULT_PORT)), directory)
    elif command == "rotate":
        print(ring.rotate().kid)
    elif command == "retire" and len(args) == 2:
        ring.retire(args[1])
    elif command == "keys":
        for key in ring.signing_keys():
            print(key.kid)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
