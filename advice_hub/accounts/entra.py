"""Signing staff in with Microsoft Entra ID through msal: the authorization code flow with
PKCE, msal checking state and nonce. msal does not check the ID token's audience, issuer or
lifetime (it came straight from the token endpoint over TLS), so they are checked here: an
ID token for another application, from another issuer or expired lets nobody in.

ENTRA_AUTHORITY points at any other OpenID Connect provider (the tests' loopback one); the
provider's metadata gives the end-session endpoint sign-out sends the person to.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import msal
import requests

from advice_hub.accounts.staff_identity import SignInRefused
from advice_hub.config import Settings

# Clocks drift: a token is taken this many seconds either side of its times.
CLOCK_SKEW_SECONDS = 120
METADATA_TIMEOUT_SECONDS = 10


class EntraSignIn:
    """One app registration's sign-in; made once per app, when first needed."""

    def __init__(self, settings: Settings) -> None:
        assert settings.entra_sign_in, "Entra sign-in needs ENTRA_TENANT_ID, _CLIENT_ID, _SECRET"
        self.tenant_id: str = settings.entra_tenant_id or ""
        self.client_id: str = settings.entra_client_id or ""
        self._secret = settings.entra_client_secret
        self._authority = settings.entra_authority
        self._lock = threading.Lock()
        self._app: msal.ConfidentialClientApplication | None = None
        self._metadata_found: dict[str, Any] | None = None

    @property
    def metadata_url(self) -> str:
        if self._authority:
            return self._authority.rstrip("/") + "/.well-known/openid-configuration"
        return (
            f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"
            "/.well-known/openid-configuration"
        )

    def _client(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._app is None:
                where: dict[str, str] = (
                    {"oidc_authority": self._authority}
                    if self._authority
                    else {"authority": f"https://login.microsoftonline.com/{self.tenant_id}"}
                )
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self._secret, **where
                )
            return self._app

    def start_flow(self, redirect_uri: str) -> dict[str, Any]:
        """msal's flow for one sign-in: keep it on the server and send the browser to its
        `auth_uri`."""
        # The answer comes back in the query of a top-level GET, so that the browser sends our
        # SameSite=Lax cookie with it (a cross-site form_post would arrive without it); the
        # code is bound to this flow by PKCE and the state, and used once.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
            flow: dict[str, Any] = self._client().initiate_auth_code_flow(
                scopes=[], redirect_uri=redirect_uri, response_mode="query"
            )
        return flow

    def finish(self, flow: dict[str, Any], answer: Mapping[str, str]) -> dict[str, Any]:
        """The checked ID token claims of the provider's answer to `flow`.

        Raises SignInRefused for a tampered state, a code refused by the provider (used
        before, or for someone else), an ID token for another audience, issuer or nonce, and
        an expired one.
        """
        if "error" in answer:
            raise SignInRefused(
                "provider_refused",
                "Your council's sign-in service did not sign you in. Try again.",
            )
        if not flow.get("state") or answer.get("state") != flow["state"]:
            # msal checks this too; checked first so that its other ValueErrors mean what
            # they say. The answer is not to the sign-in this browser started.
            raise SignInRefused(
                "state_mismatch",
                "This sign-in was not started in this browser. Start again.",
            )
        try:
            result = self._client().acquire_token_by_auth_code_flow(flow, dict(answer))
        except RuntimeError as exc:  # msal's nonce check (and its IdTokenError)
            raise SignInRefused(
                "id_token_refused",
                "Your council's sign-in service gave an answer that was not for advice_hub. "
                "Start again.",
            ) from exc
        except (requests.RequestException, ValueError) as exc:
            raise SignInRefused(
                "provider_unavailable",
                "Your council's sign-in service is not answering. Try again in a few minutes.",
                status=503,
            ) from exc
        if "error" in result:
            raise SignInRefused(
                "code_refused",
                "This sign-in has already been used or has expired. Start again.",
            )
        claims: dict[str, Any] = result.get("id_token_claims") or {}
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.client_id not in audiences:
            raise SignInRefused(
                "wrong_audience",
                "Your council's sign-in service gave an answer that was not for advice_hub. "
                "Start again.",
            )
        issuer = self._metadata().get("issuer")
        if not issuer or claims.get("iss") != issuer:
            raise SignInRefused(
                "wrong_issuer",
                "Your sign-in came from a service advice_hub does not trust. Start again.",
            )
        now = time.time()
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if not isinstance(expires, int | float) or now - CLOCK_SKEW_SECONDS > expires:
            raise SignInRefused(
                "token_expired", "Your sign-in had expired before it reached us. Start again."
            )
        if isinstance(not_before, int | float) and now + CLOCK_SKEW_SECONDS < not_before:
            raise SignInRefused(
                "token_not_yet_valid", "Your sign-in is not valid yet. Start again."
            )

    def _metadata(self) -> dict[str, Any]:
        """The provider's OpenID metadata, fetched once; SignInRefused if it cannot be had."""
        with self._lock:
            if self._metadata_found is None:
                try:
                    answer = requests.get(self.metadata_url, timeout=METADATA_TIMEOUT_SECONDS)
                    answer.raise_for_status()
                    found = answer.json()
                except (requests.RequestException, ValueError) as exc:
                    raise SignInRefused(
                        "provider_unavailable",
                        "Your council's sign-in service is not answering. Try again in a few "
                        "minutes.",
                        status=503,
                    ) from exc
                self._metadata_found = found if isinstance(found, dict) else {}
            return self._metadata_found

    def end_session_url(self, after: str) -> str | None:
        """Where to send a person signing out (the provider's end-session endpoint, from its
        metadata), or None if the provider has none or cannot be reached."""
        try:
            endpoint = self._metadata().get("end_session_endpoint")
        except SignInRefused:
            return None
        if not isinstance(endpoint, str) or not endpoint:
            return None
        joiner = "&" if "?" in endpoint else "?"
        return (
            endpoint
            + joiner
            + urlencode({"post_logout_redirect_uri": after, "client_id": self.client_id})
        )
