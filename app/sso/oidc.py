"""OpenID Connect sign-in (code flow with PKCE S256, state and nonce) with Authlib, and the
ID-token checks: signature from the issuer's JWKS, issuer, audience, expiry, nonce, one use."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..errors import ValidationError
from .models import SsoConfig
from .secrets import decrypt

TIMEOUT = 10
LEEWAY = 60  # seconds of clock difference tolerated on exp/iat
_used_tokens: dict[str, float] = {}  # jti/nonce → expiry: an ID token is accepted once per process


@dataclass
class Start:
    url: str
    state: str
    nonce: str
    verifier: str


def discover(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document (/.well-known/openid-configuration), checked."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        answer = requests.get(url, timeout=TIMEOUT)
        answer.raise_for_status()
        document: dict[str, Any] = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise ValidationError(f"Could not read {url}: {exc}", "issuer") from None
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise ValidationError(f"{url} names another issuer ({document.get('issuer')}).", "issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not document.get(key):
            raise ValidationError(f"{url} has no {key}.", "issuer")
    return document


def start(config: SsoConfig, redirect_uri: str) -> Start:
    """Where to send the person, with a fresh state, nonce and PKCE verifier to keep in the session."""
    document = discover(config.issuer)
    verifier = generate_token(64)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    session = OAuth2Session(config.client_id, redirect_uri=redirect_uri, scope="openid email profile")
    url, _ = session.create_authorization_url(
        document["authorization_endpoint"], state=state, nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256")
    return Start(url, state, nonce, verifier)


def finish(config: SsoConfig, redirect_uri: str, callback_url: str, verifier: str, nonce: str) -> dict[str, Any]:
    """Exchange the code for tokens and return the validated ID token's claims."""
    document = discover(config.issuer)
    session = OAuth2Session(config.client_id, decrypt(config.client_secret_encrypted),
                            redirect_uri=redirect_uri, token_endpoint_auth_method="client_secret_basic")
    try:
        token = session.fetch_token(document["token_endpoint"], authorization_response=callback_url,
                                    code_verifier=verifier, timeout=TIMEOUT)
    except Exception as exc:  # Authlib raises its OAuth errors or requests' errors here
        raise ValidationError(f"The identity provider refused the sign-in: {exc}") from None
    raw = token.get("id_token")
    if not raw:
        raise ValidationError("The identity provider sent no ID token.")
    return validate_id_token(raw, document, config.client_id, nonce)


def validate_id_token(raw: str, document: dict[str, Any], client_id: str, nonce: str,
                      now: float | None = None) -> dict[str, Any]:
    """The claims of a signed ID token meant for us, fresh, with our nonce, never seen before."""
    try:
        keys = KeySet.import_key_set(requests.get(document["jwks_uri"], timeout=TIMEOUT).json())
        decoded = jwt.decode(raw, keys, algorithms=["RS256", "ES256", "PS256"])
    except (requests.RequestException, ValueError, JoseError) as exc:
        raise ValidationError(f"The ID token's signature does not verify: {exc}") from None
    claims = dict(decoded.claims)
    moment = time.time() if now is None else now
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    problems = [
        (claims.get("iss", "").rstrip("/") != document["issuer"].rstrip("/"), "it comes from another issuer"),
        (client_id not in audiences, "it is meant for another application (audience)"),
        (not isinstance(claims.get("exp"), int | float) or claims["exp"] + LEEWAY < moment, "it has expired"),
        (claims.get("nonce") != nonce, "its nonce is not the one this sign-in sent"),
    ]
    for failed, why in problems:
        if failed:
            raise ValidationError(f"The ID token is refused: {why}.")
    key = str(claims.get("jti") or claims.get("nonce"))
    for seen, until in list(_used_tokens.items()):
        if until < moment:
            _used_tokens.pop(seen, None)
    if key in _used_tokens:
        raise ValidationError("The ID token is refused: it was already used.")
    _used_tokens[key] = float(claims["exp"]) + LEEWAY
    return claims
