"""The plugin API: HTTP + JSON on 127.0.0.1, documented by ``vaultkit/openapi.json``.

The standard library's ``ThreadingHTTPServer`` is enough: a handful of endpoints, one local
client, and Server-Sent Events are plain HTTP (a WebSocket would need a dependency and buys
nothing here, since the plugin never sends on the stream).  What keeps it safe:

* it binds to 127.0.0.1 only -- there is no option to listen anywhere else;
* every endpoint but ``/v1/health`` needs ``Authorization: Bearer <token>`` (the token file
  in ``.vaultkit/`` is readable by its owner only), compared in constant time;
* the ``Host`` header must name the loopback address (a DNS-rebinding page cannot pass), and
  a request that carries an ``Origin`` must come from Obsidian's app origin
  ``app://obsidian.md``, the only origin CORS answers;
* note paths are vault-relative; anything absolute, with ``..``, a backslash, a hidden part
  (``.vaultkit/``, ``.obsidian/``) or a NUL is refused before it reaches the vault.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from vaultkit.errors import Changed, NotFound, NotReady, Stale, VaultkitError
from vaultkit.model import nfc
from vaultkit.version import __version__

HOST = "127.0.0.1"
ALLOWED_ORIGIN = "app://obsidian.md"
KEEPALIVE = 15.0  # seconds between SSE comments, so proxies and clients see a live stream
BACKLOG = 1000  # events a slow SSE client may fall behind before it is told to resync
MAX_BODY = 64 * 1024
API_VERSION = 1  # raised when an endpoint changes incompatibly; the plugin refuses other versions
READY_HEADER = "X-Vaultkit-Ready"  # on every answer: whether the first full check is done

log = logging.getLogger("vaultkit.watch")


class BadPath(ValueError):
    """A request path that is not a plain vault-relative path."""


def vault_path(raw: str) -> str:
    """Validate a vault-relative note path from a request; raises :class:`BadPath`."""
    path = nfc(raw)
    if not path or "\\" in path or "\x00" in path or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise BadPath(f"{raw!r} is not a vault-relative path")
    for part in path.split("/"):
        if part in ("", ".", ".."):
            raise BadPath(f"{raw!r} escapes the vault or is not a plain path")
        if part.startswith("."):
            raise BadPath(f"{raw!r} names a hidden file, which is not part of the vault")
    return path


def _is_problem_key(value: Any) -> bool:
    """Whether a fix request's ``problem`` names one problem: its code and 1-based start."""
    if not isinstance(value, dict) or set(value) != {"code", "line", "column"} or not isinstance(value["code"], str):
        return False
    return all(type(value[key]) is int and value[key] >= 1 for key in ("line", "column"))


@dataclass(frozen=True)
class Event:
    """One Server-Sent Event."""

    name: str
    data: dict[str, Any]
    id: int | None = None

    def encode(self) -> bytes:
        head = f"id: {self.id}\n" if self.id is not None else ""
        return f"{head}event: {self.name}\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n".encode()


class Subscriber:
    """One SSE client's queue: bounded; when it overflows the client is told to resync."""

    def __init__(self, limit: int = BACKLOG) -> None:
        self._cond = threading.Condition()
        self._events: deque[Event] = deque()
        self._limit = limit
        self.closed = False

    def put(self, event: Event) -> None:
        with self._cond:
            if len(self._events) >= self._limit:
                self._events.clear()
                event = Event("resync", {"reason": "the client fell behind; fetch /v1/diagnostics again"})
            self._events.append(event)
            self._cond.notify()

    def get(self, timeout: float) -> Event | None:
        """The next event, or None after ``timeout`` seconds or once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._events or self.closed, timeout)
            return self._events.popleft() if self._events else None

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class Hub:
    """Fans diagnostic changes out to every connected SSE client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self._closed = False

    def subscribe(self) -> Subscriber:
        sub = Subscriber()
        with self._lock:
            if self._closed:
                sub.close()
            else:
                self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            sub.put(event)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            subscribers, self._subscribers = list(self._subscribers), set()
        for sub in subscribers:
            sub.close()


class Backend(Protocol):
    """What the HTTP layer needs from the daemon."""

    token: str
    hub: Hub

    def ready(self) -> bool: ...
    def health(self) -> dict[str, Any]: ...
    def status(self) -> dict[str, Any]: ...
    def diagnostics(self, rel: str | None) -> dict[str, Any]: ...
    def fix(self, rel: str, apply: bool, unsafe: bool, problem: dict[str, Any] | None = None) -> dict[str, Any]: ...
    def recheck(self) -> None: ...
    def rules(self) -> list[dict[str, Any]]: ...
    def rule(self, name: str) -> dict[str, Any] | None: ...


#: The HTTP answer to each error the daemon raises: status and the ``error.code`` clients read.
HTTP_ERRORS: tuple[tuple[type[VaultkitError], int, str], ...] = (
    (NotReady, 503, "starting"),
    (NotFound, 404, "not_found"),
    (Changed, 409, "changed"),
    (Stale, 409, "stale"),
)


def openapi() -> bytes:
    """The API description shipped with the package."""
    return resources.files("vaultkit").joinpath("openapi.json").read_bytes()


class Handler(BaseHTTPRequestHandler):
    server_version = f"vaultkit/{__version__}"
    protocol_version = "HTTP/1.1"
    server: ApiServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    # -- plumbing ------------------------------------------------------------------------

    def _cors(self) -> None:
        if self.headers.get("Origin") == ALLOWED_ORIGIN:
            self.send_header("Access-Control-Allow-Origin", ALLOWED_ORIGIN)
            self.send_header("Access-Control-Expose-Headers", READY_HEADER)
            self.send_header("Vary", "Origin")

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header(READY_HEADER, "true" if self.server.backend.ready() else "false")
        self._cors()
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._json(status, {"error": {"code": code, "message": message}}, headers)

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        port = self.server.server_address[1]
        return host in {f"{name}:{port}" for name in ("127.0.0.1", "localhost")}

    def _authorised(self) -> bool:
        given = self.headers.get("Authorization") or ""
        scheme, _, token = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.server.backend.token.encode()
        )

    def _read_body(self) -> bool:
        """Read the request body up front (so an answer never leaves it unread on a kept-alive
        connection); False, after answering, when it is too large or its length is invalid."""
        self._raw = b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            self._error(413, "too_large", f"send a body of at most {MAX_BODY} bytes")
            return False
        self._raw = self.rfile.read(length) if length else b""
        return True

    def _body(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self._raw)
        except (ValueError, UnicodeDecodeError):
            self._error(400, "bad_request", "the body is not a JSON object")
            return None
        if not isinstance(data, dict):
            self._error(400, "bad_request", "the body must be a JSON object")
            return None
        return data

    # -- routing -------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            if self._read_body():
                self._route(method)
        except VaultkitError as exc:
            status, code = next(((s, c) for kind, s, c in HTTP_ERRORS if isinstance(exc, kind)), (500, "internal"))
            self._error(status, code, str(exc), {"Retry-After": "1"} if status == 503 else None)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug in one request must not take the daemon down
            log.exception("http: %s %s failed", method, self.path)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._error(500, "internal", "internal error; see the daemon's log")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        route = url.path.rstrip("/") or "/"
        if not self._host_ok():
            return self._error(403, "bad_host", "the Host header must be 127.0.0.1 or localhost with the daemon's port")
        origin = self.headers.get("Origin")
        if origin is not None and origin != ALLOWED_ORIGIN:
            return self._error(403, "bad_origin", f"requests from {origin} are not allowed")
        if method == "OPTIONS":
            return self._preflight()
        routes: dict[tuple[str, str], Callable[[dict[str, list[str]]], None]] = {
            ("GET", "/v1/status"): self._status,
            ("GET", "/v1/diagnostics"): self._diagnostics,
            ("POST", "/v1/fix"): self._fix,
            ("GET", "/v1/events"): self._events,
            ("GET", "/v1/openapi.json"): self._openapi,
            ("GET", "/v1/rules"): self._rules,
            ("POST", "/v1/recheck"): self._recheck,
        }
        if route.startswith("/v1/rules/"):  # one rule's documentation: /v1/rules/{name}
            routes[("GET", route)] = lambda query: self._rule(route.removeprefix("/v1/rules/"))
        if (method, route) == ("GET", "/v1/health"):
            return self._json(200, self.server.backend.health())
        if not self._authorised():
            return self._error(
                401,
                "unauthorized",
                "send Authorization: Bearer <token from .vaultkit/watch-token>",
                {"WWW-Authenticate": 'Bearer realm="vaultkit"'},
            )
        if route not in {r for _, r in routes}:
            return self._error(404, "not_found", f"no endpoint {route} (see /v1/openapi.json)")
        handler = routes.get((method, route))
        if handler is None:
            allowed = ", ".join(sorted(m for m, r in routes if r == route))
            return self._error(405, "method_not_allowed", f"{route} accepts {allowed}", {"Allow": allowed})
        return handler(parse_qs(url.query))

    def _preflight(self) -> None:
        if self.headers.get("Origin") != ALLOWED_ORIGIN:
            return self._error(403, "bad_origin", f"only {ALLOWED_ORIGIN} may make cross-origin requests")
        self.send_response(204)
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self._cors()
        self.end_headers()
        return None

    def _path(self, query: dict[str, list[str]], body: dict[str, Any] | None = None) -> str | None:
        raw = body.get("path") if body is not None else next(iter(query.get("path") or ()), None)
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise BadPath("path must be a string")
        return vault_path(raw)

    # -- endpoints -----------------------------------------------------------------------

    def _status(self, query: dict[str, list[str]]) -> None:
        self._json(200, self.server.backend.status())

    def _diagnostics(self, query: dict[str, list[str]]) -> None:
        try:
            rel = self._path(query)
        except BadPath as exc:
            return self._error(400, "bad_path", str(exc))
        self._json(200, self.server.backend.diagnostics(rel))
        return None

    def _fix(self, query: dict[str, list[str]]) -> None:
        body = self._body()
        if body is None:
            return None
        try:
            rel = self._path(query, body)
        except BadPath as exc:
            return self._error(400, "bad_path", str(exc))
        if rel is None:
            return self._error(400, "bad_request", 'name the note: {"path": "Folder/Note.md"}')
        unknown = set(body) - {"path", "apply", "unsafe", "problem"}
        if unknown:
            return self._error(400, "bad_request", f"unknown field(s): {', '.join(sorted(unknown))}")
        apply, unsafe, problem = body.get("apply", False), body.get("unsafe", False), body.get("problem")
        if not isinstance(apply, bool) or not isinstance(unsafe, bool):
            return self._error(400, "bad_request", "apply and unsafe must be true or false")
        if problem is not None and not _is_problem_key(problem):
            return self._error(
                400, "bad_request", 'problem must be {"code": "VK201", "line": 3, "column": 5} (line and column from 1)'
            )
        self._json(200, self.server.backend.fix(rel, apply, unsafe, problem))
        return None

    def _recheck(self, query: dict[str, list[str]]) -> None:
        self.server.backend.recheck()
        self._json(202, {"queued": True})

    def _rules(self, query: dict[str, list[str]]) -> None:
        self._json(200, {"rules": self.server.backend.rules()})

    def _rule(self, name: str) -> None:
        found = self.server.backend.rule(unquote(name))
        if found is None:
            return self._error(404, "not_found", f"no rule named {unquote(name)!r} (see /v1/rules)")
        return self._json(200, found)

    def _openapi(self, query: dict[str, list[str]]) -> None:
        self._send(200, openapi(), "application/json; charset=utf-8")

    def _events(self, query: dict[str, list[str]]) -> None:
        backend = self.server.backend
        sub = backend.hub.subscribe()  # before the hello, so no change falls in between
        try:
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self._cors()
            self.end_headers()
            status = backend.status()
            hello = Event(
                "hello",
                {key: status[key] for key in ("generation", "ready", "version", "api")},
                status["generation"],
            )
            self.wfile.write(b"retry: 2000\n\n" + hello.encode())
            self.wfile.flush()
            while not sub.closed:
                event = sub.get(KEEPALIVE)
                if event is not None:
                    self.wfile.write(event.encode())
                elif not sub.closed:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        finally:
            backend.hub.unsubscribe(sub)


class ApiServer(ThreadingHTTPServer):
    """One thread per connection; threads are daemons so a stuck client never blocks exit."""

    daemon_threads = True
    allow_reuse_address = os.name != "nt"  # on Windows SO_REUSEADDR would let another program take the port

    def __init__(self, port: int, backend: Backend) -> None:
        self.backend = backend
        super().__init__((HOST, port), Handler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"
