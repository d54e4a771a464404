"""An OpenID Connect provider on loopback over https for the real msal code to sign staff in
against (`oidc-provider-mock` under /tenant behind werkzeug, with a throwaway certificate for
localhost that REQUESTS_CA_BUNDLE points at). Never Microsoft's servers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import oidc_provider_mock
import pytest
import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from tests.tls import localhost_certificate

TENANT_ID = "0b7c3a52-6f1e-4d8a-9c3b-5e2f1a4d7c90"
CLIENT_ID = "advice-hub-tests"


@dataclass
class Provider:
    authority: str
    ca_bundle: Path

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        response = requests.put(
            f"{self.authority}/users/{sub}", json=claims, verify=self.ca_bundle, timeout=10
        )
        assert response.status_code == 204, response.text

    def authorize(self, auth_uri: str, sub: str) -> str:
        """The person `sub` signs in at the provider: the path and query the browser is sent
        back to."""
        response = requests.post(
            auth_uri, data={"sub": sub}, verify=self.ca_bundle, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, response.text
        back = urlsplit(response.headers["Location"])
        assert "code" in parse_qs(back.query), back.query
        return f"{back.path}?{back.query}"


@pytest.fixture(scope="session")
def entra_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    cert, key = localhost_certificate(tmp_path_factory.mktemp("entra"))
    provider_app = oidc_provider_mock.app(require_nonce=True)
    wsgi = DispatcherMiddleware(Response("Not found", status=404), {"/tenant": provider_app})
    server = make_server("localhost", 0, wsgi, threaded=True, ssl_context=(str(cert), str(key)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Provider(authority=f"https://localhost:{server.server_port}/tenant", ca_bundle=cert)
    finally:
        server.shutdown()
        thread.join(timeout=10)


def entra_config(provider: Provider) -> dict[str, Any]:
    """The settings that sign staff in against `provider` (development sign-in off)."""
    return {
        "DEV_SIGN_IN": False,
        "ENTRA_TENANT_ID": TENANT_ID,
        "ENTRA_CLIENT_ID": CLIENT_ID,
        "ENTRA_CLIENT_SECRET": "a-client-secret-for-tests",
        "ENTRA_AUTHORITY": provider.authority,
    }
