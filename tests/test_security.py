"""Private stays private (issue 19): the undo journal's permissions, nothing trusted in
`.vaultkit/`, no symlink out of the vault read or served, and a daemon that cannot be
exhausted or made to fail on a malformed request."""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from support import wait_for
from test_watch_daemon import Client, watching

from vaultkit.errors import NotFound
from vaultkit.watch import server
from vaultkit.watch.server import ApiServer, Hub

pytestmark = pytest.mark.slow  # real processes; `pytest -m 'not slow'` is the quick local suite
FIXABLE = "---\ndate:\n---\nA private thought.\n"
IDLE_SOCKETS = 3000


def vaultkit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vaultkit", *args], cwd=root, capture_output=True, text=True)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_the_undo_journal_is_as_private_as_the_most_private_note(vault):
    root = vault({"2023-01-05.md": FIXABLE})
    (root / "2023-01-05.md").chmod(0o600)
    done = vaultkit(root, "fix")
    assert "date: 2023-01-05" in (root / "2023-01-05.md").read_text(), done.stderr
    state = root / ".vaultkit"
    undo = state / "undo"
    (run,) = [p for p in undo.iterdir() if p.is_dir()]
    assert {mode(p) for p in (state, undo, run)} == {0o700}
    files = [undo / "history", run / "run.json", run / "originals.bin", state / "write.lock"]
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert b"A private thought." in (run / "originals.bin").read_bytes()


def test_a_symlinked_state_folder_is_refused_and_nothing_is_written_outside(vault, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root = vault({"2023-01-05.md": FIXABLE})
    (root / ".vaultkit").symlink_to(outside)
    done = vaultkit(root, "fix")
    assert "nothing written" in done.stderr and "symlink" in done.stderr
    assert (root / "2023-01-05.md").read_text() == FIXABLE
    assert list(outside.iterdir()) == []
    watch = vaultkit(root, "watch", str(root))
    assert watch.returncode == 2 and "symlink" in watch.stderr
    assert list(outside.iterdir()) == []


def test_a_symlinked_or_loose_token_is_replaced_never_followed(vault, tmp_path):
    secret = tmp_path / "someone-elses-file"
    secret.write_text("not a token, and not vaultkit's to chmod\n")
    secret.chmod(0o644)
    root = vault({"A.md": "a\n"})
    (root / ".vaultkit").mkdir(mode=0o700)
    (root / ".vaultkit" / "watch-token").symlink_to(secret)
    with watching(root) as (client, _):
        token = root / ".vaultkit" / "watch-token"
        assert not token.is_symlink() and mode(token) == 0o600
        assert mode(secret) == 0o644 and secret.read_text().startswith("not a token")
        assert client.get("/v1/status")["ready"]
        first = client.token
    token.chmod(0o644)  # readable by others while the daemon was down: a new secret
    with watching(root) as (client, _):
        assert client.token != first and mode(token) == 0o600


def test_notes_behind_symlinks_out_of_the_vault_are_neither_indexed_nor_served(vault, tmp_path):
    private = tmp_path / "private"
    (private / "diary").mkdir(parents=True)
    (private / "secret.md").write_text("[[Nowhere]] my secret\n")
    (private / "diary" / "day.md").write_text("[[Nowhere either]]\n")
    root = vault({"A.md": "[[Missing]]\n", "Inside/B.md": "b\n"})
    (root / "leak.md").symlink_to(private / "secret.md")
    (root / "Diary").symlink_to(private / "diary")
    (root / "Alias.md").symlink_to(root / "Inside" / "B.md")  # inside the vault: still followed
    done = vaultkit(root, "check", "--format", "json")
    paths = {p["path"] for p in json.loads(done.stdout)}
    assert paths == {"A.md"}
    assert "leak.md: a symlink out of the vault" in done.stderr and "Diary: a symlink out of the vault" in done.stderr
    assert "follow-external-symlinks" in done.stderr
    assert vaultkit(root, "inspect", "Alias.md", "--format", "json").returncode == 0
    with watching(root) as (client, _):
        served = {p["path"] for p in client.get("/v1/diagnostics")["problems"]}
        assert served == {"A.md"}
        assert client.call("POST", "/v1/fix", {"path": "leak.md"})[0] == 404
        assert client.call("GET", "/v1/diagnostics?path=Diary/day.md")[0] == 404
        (root / "late.md").symlink_to(private / "secret.md")  # appears while watching
        (root / "C.md").write_text("[[Also missing]]\n")
        wait_for(lambda: client.call("GET", "/v1/diagnostics?path=C.md")[0] == 200, what="C.md to be checked")
        assert client.call("GET", "/v1/diagnostics?path=late.md")[0] == 404
    (root / ".vaultkit.toml").write_text("follow-external-symlinks = true\n")
    paths = {p["path"] for p in json.loads(vaultkit(root, "check", "--format", "json").stdout)}
    assert paths == {"A.md", "leak.md", "late.md", "Diary/day.md", "C.md"}


def raise_open_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"the hard limit of open files ({hard}) is under {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def proc_counts(pid: int) -> tuple[int, int]:
    threads = int(re.search(r"Threads:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
    return threads, len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads and files in /proc")
def test_3000_idle_connections_never_lock_the_plugin_out(vault):
    raise_open_files(IDLE_SOCKETS + 300)
    root = vault({"A.md": "[[Missing]]\n"})
    with watching(root) as (client, proc):
        port = urlsplit(client.url).port
        idle: list[socket.socket] = []
        try:
            for _ in range(IDLE_SOCKETS):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            started = time.monotonic()
            problems = client.problems("A.md")
            elapsed = time.monotonic() - started
            assert [p["code"] for p in problems] == ["VK201"]
            assert elapsed < 1.0, f"diagnostics took {elapsed:.2f} s under {IDLE_SOCKETS} idle connections"
            bounded = lambda: all(n < server.MAX_CONNECTIONS + 60 for n in proc_counts(proc.pid))  # noqa: E731
            wait_for(bounded, timeout=10, what="the threads and open files to stay under the cap")
        finally:
            for sock in idle:
                sock.close()


def test_malformed_requests_are_answered_400_not_500(vault):
    root = vault({"A.md": "a\n"})
    with watching(root) as (client, _):
        deep = b"[" * 60_000  # within the body limit; parsing recurses before it sees the end
        status, payload = raw_post(client, "/v1/fix", deep)
        assert status == 400 and "too deep" in payload["error"]["message"]
        status, payload = raw_post(client, "/v1/fix", b'{"path": "\\ud800.md"}')
        assert status == 400 and payload["error"]["code"] == "bad_path"
        assert "surrogate" in payload["error"]["message"]
        assert client.get("/v1/status")["ready"]  # and the daemon is fine
    log = (root.parent / f"watch-{root.name}.log").read_text()
    assert "Traceback" not in log


def raw_post(client: Client, route: str, body: bytes) -> tuple[int, Any]:
    url = urlsplit(client.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request("POST", route, body, {"Authorization": f"Bearer {client.token}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


class FakeBackend:
    """Just enough of the daemon for the HTTP layer."""

    token = "t" * 43

    def __init__(self) -> None:
        self.hub = Hub()

    def ready(self) -> bool:
        return True

    def health(self) -> dict[str, Any]:
        return {"ok": True, "ready": True}

    def status(self) -> dict[str, Any]:
        return {"generation": 1, "ready": True, "version": "0", "api": server.API_VERSION}

    def diagnostics(self, rel: str | None) -> dict[str, Any]:
        return {"generation": 1, "problems": []}

    def fix(self, rel: str, apply: bool, unsafe: bool, problem: dict[str, Any] | None = None) -> dict[str, Any]:
        raise NotFound(f"{rel} is not a note of this vault")

    def recheck(self) -> None:
        return None

    def rules(self) -> list[dict[str, Any]]:
        return []

    def rule(self, name: str) -> dict[str, Any] | None:
        return None


@pytest.fixture
def api(monkeypatch):
    """An API server in a thread, with short timeouts."""
    monkeypatch.setattr(server, "REQUEST_TIMEOUT", 0.5)
    monkeypatch.setattr(server, "IDLE_TIMEOUT", 1.0)
    api = ApiServer(0, FakeBackend())
    import threading

    thread = threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.shutdown()
        api.server_close()
        api.backend.hub.close()
        thread.join(10)


def closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except (TimeoutError, ConnectionResetError):
        return False


def test_slow_and_idle_clients_are_dropped(api):
    port = api.server_address[1]
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1")  # ...and never the rest
    idle = socket.create_connection(("127.0.0.1", port))
    try:
        assert closed_within(slow, 3.0)
        assert closed_within(idle, 3.0)
        wait_for(lambda: api.open_connections() == 0, timeout=5, what="the connections to be released")
    finally:
        slow.close()
        idle.close()


def test_event_streams_are_capped(api):
    port = api.server_address[1]
    streams = []
    try:
        for _ in range(server.MAX_STREAMS):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/v1/events", headers={"Authorization": f"Bearer {FakeBackend.token}"})
            assert conn.getresponse().status == 200
            streams.append(conn)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/v1/events", headers={"Authorization": f"Bearer {FakeBackend.token}"})
        response = conn.getresponse()
        assert response.status == 503 and json.loads(response.read())["error"]["code"] == "busy"
        conn.close()
    finally:
        for conn in streams:
            conn.close()
