"""A stand-in for the Microsoft sign-in service and Graph's sendMail, over https on loopback
(pytest-httpserver), for the real msal and requests code: the backend's tests and the worker's."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from notifications import GraphBackend

TENANT_ID = "5d1f0c8e-3b7a-4e29-a6c4-8f2b9e0d1a37"
CLIENT_ID = "advice-hub-mail"
CLIENT_SECRET = "Qx8~graph-secret.Vb3n_Tt5Lm"
MAILBOX = "advice@northshire.gov.uk"
SEND_PATH = f"/v1.0/users/{MAILBOX}/sendMail"
TOKEN_PATH = f"/{TENANT_ID}/oauth2/v2.0/token"


class QuickHTTPServer(HTTPServer):
    """pytest-httpserver's server, noticing a stop within a few milliseconds rather than the
    half second werkzeug polls at by default, so each test can have a server of its own."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.01)


@dataclass
class StandIn:
    """The sign-in service and Graph in one https server. ``token_reply`` replaces the token
    endpoint's answer (status and JSON); ``slow`` makes the named paths wait for ``release``."""

    server: HTTPServer
    tokens: list[str] = field(default_factory=list)
    token_reply: tuple[int, dict[str, Any]] | None = None
    slow: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def authority(self) -> str:
        return self.server.url_for(f"/{TENANT_ID}/v2.0")

    @property
    def graph_url(self) -> str:
        return self.server.url_for("/v1.0")

    def backend(self, **options: Any) -> GraphBackend:
        settings: dict[str, Any] = {
            "tenant_id": TENANT_ID,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "mailbox": MAILBOX,
            "authority": self.authority,
            "graph_url": self.graph_url,
            "timeout": 5,
        }
        return GraphBackend(**{**settings, **options})

    def answer_send(self, status: int, body: Any = None, **headers: str) -> None:
        """Graph answers every sendMail with ``status``."""
        self.server.expect_request(SEND_PATH, method="POST").respond_with_handler(
            self._graph(status, body, headers)
        )

    def answer_next_send(self, status: int, body: Any = None, **headers: str) -> None:
        """Graph answers the next sendMail with ``status`` (before any ``answer_send``)."""
        self.server.expect_oneshot_request(SEND_PATH, method="POST").respond_with_handler(
            self._graph(status, body, headers)
        )

    def _graph(
        self, status: int, body: Any, headers: dict[str, str]
    ) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            self._maybe_wait(request)
            data = "" if body is None else json.dumps(body)
            return Response(
                data,
                status=status,
                headers={"request-id": "9b2f6d4e-graph-request", **headers},
                content_type="application/json" if body is not None else None,
            )

        return answer

    def requests_to(self, path: str) -> list[Request]:
        return [request for request, _ in self.server.log if request.path == path]

    def _maybe_wait(self, request: Request) -> None:
        if request.path in self.slow:
            self.release.wait(timeout=10)

    def openid_configuration(self, request: Request) -> Response:
        base = self.server.url_for(f"/{TENANT_ID}")
        document = {
            "issuer": self.authority,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": self.server.url_for(TOKEN_PATH),
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        return Response(json.dumps(document), content_type="application/json")

    def token_endpoint(self, request: Request) -> Response:
        self._maybe_wait(request)
        if self.token_reply is not None:
            status, answer = self.token_reply
            return Response(json.dumps(answer), status=status, content_type="application/json")
        token = f"graph-token-{len(self.tokens) + 1}"
        self.tokens.append(token)
        issued = {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        return Response(json.dumps(issued), content_type="application/json")


@contextmanager
def serving_graph(cert: Path, key: Path) -> Iterator[StandIn]:
    """The stand-in, serving over https with ``cert`` (which clients must trust) until the
    block ends; then every request it was sent must have matched one it expected."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = QuickHTTPServer(host="localhost", port=0, ssl_context=context, threaded=True)
    stand_in = StandIn(server=server)
    server.expect_request(
        f"/{TENANT_ID}/v2.0/.well-known/openid-configuration", method="GET"
    ).respond_with_handler(stand_in.openid_configuration)
    server.expect_request(TOKEN_PATH, method="POST").respond_with_handler(stand_in.token_endpoint)
    server.start()
    try:
        yield stand_in
    finally:
        stand_in.release.set()
        server.stop()
    server.check()
