"""The real daemon (`vaultkit watch` in a subprocess) on temporary vaults, driven by real file
operations and checked through its HTTP API with a real client."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from support import wait_for

from vaultkit.check.report import problem_dict
from vaultkit.check.run import check_vault
from vaultkit.watch.runtime import Runtime

pytestmark = pytest.mark.slow  # runs in CI; `pytest -m 'not slow'` is the quick local suite

DEBOUNCE = 0.1


class Client:
    """A plain urllib client of the plugin API."""

    def __init__(self, root: Path) -> None:
        info = json.loads((root / ".vaultkit" / "watch.json").read_text())
        self.url = info["url"]
        self.token = (root / ".vaultkit" / "watch-token").read_text().strip()

    def call(
        self, method: str, route: str, body: Any = None, token: str | None = "", headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + route, method=method, headers=dict(headers or {}))
        if token is not None:
            request.add_header("Authorization", f"Bearer {token or self.token}")
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        return status, json.loads(raw) if raw else None

    def get(self, route: str) -> Any:
        status, payload = self.call("GET", route)
        assert status == 200, (status, payload)
        return payload

    def problems(self, path: str) -> list[dict[str, Any]]:
        return self.get(f"/v1/diagnostics?path={urllib.request.quote(path)}")["problems"]

    def codes(self, path: str) -> list[str]:
        return [p["code"] for p in self.problems(path)]

    def settled(self) -> bool:
        """Nothing pending, and the generation did not move for a few debounce windows."""
        first = self.get("/v1/status")
        time.sleep(DEBOUNCE * 4)
        second = self.get("/v1/status")
        return first["pending"] == second["pending"] == 0 and first["generation"] == second["generation"]


class Events:
    """Collects the daemon's Server-Sent Events in a background thread."""

    def __init__(self, client: Client) -> None:
        request = urllib.request.Request(client.url + "/v1/events", headers={"Authorization": f"Bearer {client.token}"})
        self.response = urllib.request.urlopen(request, timeout=30)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        name = None
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    self.events.append((name, json.loads(line[6:])))
                    name = None
        except (OSError, ValueError):
            return

    def named(self, name: str, path: str | None = None) -> list[dict[str, Any]]:
        return [d for n, d in list(self.events) if n == name and (path is None or d.get("path") == path)]


@contextmanager
def watching(root: Path, *args: str) -> Iterator[tuple[Client, subprocess.Popen]]:
    """Run `vaultkit watch` on ``root`` until the block ends (then SIGTERM it)."""
    log = open(root.parent / f"watch-{root.name}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", str(root), "--debounce", str(DEBOUNCE), "-j", "1", *args],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    discovery = root / ".vaultkit" / "watch.json"
    try:
        wait_for(
            lambda: discovery.exists() and json.loads(discovery.read_text() or "{}").get("pid") == proc.pid,
            what="the daemon to publish its address",
        )
        client = Client(root)
        wait_for(lambda: client.call("GET", "/v1/health", token=None)[1]["ready"], what="the first check")
        yield client, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        finally:
            log.close()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def test_editing_a_note_updates_its_diagnostics_and_streams_the_change(vault):
    root = vault({"A.md": "# A\n\nNothing wrong here.\n"})
    with watching(root) as (client, _):
        assert client.problems("A.md") == []
        events = Events(client)  # the stream ends when the daemon stops
        wait_for(lambda: events.named("hello"), what="the stream's hello")
        write(root / "A.md", "# A\n\n[Fetching Title#ab12](https://example.com)\n")
        wait_for(lambda: "VK105" in client.codes("A.md"), what="VK105 after the edit")
        wait_for(lambda: events.named("diagnostics", "A.md"), what="the SSE event")
        streamed = events.named("diagnostics", "A.md")[-1]["problems"]
        assert [p["code"] for p in streamed] == ["VK105"]
        write(root / "A.md", "# A\n\n[Example](https://example.com)\n")
        wait_for(lambda: client.problems("A.md") == [], what="the problem to clear")
        wait_for(lambda: events.named("diagnostics", "A.md")[-1]["problems"] == [], what="the clearing event")
        assert client.get("/v1/status")["last_event"]["path"] == "A.md"


def test_deleting_a_note_breaks_its_backlinks_and_recreating_it_mends_them(vault):
    root = vault({"A.md": "See [[B]].\n", "Sub/C.md": "Also [[B#Part]].\n", "B.md": "# Part\n"})
    with watching(root) as (client, _):
        assert client.problems("A.md") == client.problems("Sub/C.md") == []
        (root / "B.md").unlink()
        wait_for(lambda: client.codes("A.md") == ["VK201"], what="A's link to break")
        wait_for(lambda: client.codes("Sub/C.md") == ["VK201"], what="C's link to break")
        status, _ = client.call("GET", "/v1/diagnostics?path=B.md")
        assert status == 404
        write(root / "B.md", "# Part\n")
        wait_for(lambda: client.problems("A.md") == [] and client.problems("Sub/C.md") == [], what="the links to mend")


def test_renaming_with_update_links_rewrites_the_links(vault):
    root = vault(
        {
            "A.md": "See [[B]], [[B#Part|the part]] and [b](B.md); ![[img.png]].\n",
            "B.md": "# Part\n[next](./D.md)\n",
            "D.md": "d\n",
            "img.png": "",
        }
    )
    with watching(root, "--update-links") as (client, _):
        (root / "Sub").mkdir()
        os.rename(root / "B.md", root / "Sub" / "C.md")
        os.rename(root / "img.png", root / "Sub" / "photo.png")
        expected = "See [[C]], [[C#Part|the part]] and [b](C.md); ![[photo.png]].\n"
        wait_for(lambda: (root / "A.md").read_text() == expected, what="A's links to be rewritten")
        wait_for(lambda: (root / "Sub" / "C.md").read_text() == "# Part\n[next](D.md)\n", what="C's own link")
        wait_for(lambda: client.problems("A.md") == [] and client.problems("Sub/C.md") == [], what="clean notes")
        assert client.get("/v1/status")["counters"]["relink"] == 2


def test_renaming_with_update_links_rewrites_canvas_file_nodes(vault):
    board = '{"nodes":[{"id":"a","type":"file","file":"B.md","x":0,"y":0,"width":400,"height":400}],"edges":[]}\n'
    root = vault({"A.md": "a\n", "B.md": "b\n", "Board.canvas": board})
    with watching(root, "--update-links") as (client, _):
        (root / "Sub").mkdir()
        os.rename(root / "B.md", root / "Sub" / "C.md")
        expected = board.replace('"B.md"', '"Sub/C.md"')
        wait_for(lambda: (root / "Board.canvas").read_text() == expected, what="the canvas node to follow the note")
        wait_for(lambda: client.problems("Board.canvas") == [], what="a clean canvas")


def test_renaming_without_update_links_leaves_the_links_broken(vault):
    root = vault({"A.md": "See [[B]].\n", "B.md": "b\n"})
    with watching(root) as (client, _):
        os.rename(root / "B.md", root / "C.md")
        wait_for(lambda: client.codes("A.md") == ["VK201"], what="the link to break")
        assert (root / "A.md").read_text() == "See [[B]].\n"


def test_fix_applies_safe_fixes_once_and_ignores_its_own_write(vault):
    root = vault({"A.md": "# A\n", "Project Plan.md": "plan\n"})
    typed = "---\nrelated: [[Project Plan]]\n---\n# A\n"
    with watching(root, "--fix") as (client, _):
        write(root / "A.md", typed)
        fixed = '---\nrelated: "[[Project Plan]]"\n---\n# A\n'
        wait_for(lambda: (root / "A.md").read_text() == fixed, what="the fix to be written")
        wait_for(lambda: client.problems("A.md") == [], what="the fixed diagnostics")
        wait_for(client.settled, what="the echo of the fix to pass")
        stamp = (root / "A.md").stat().st_mtime_ns
        time.sleep(DEBOUNCE * 5)
        assert client.get("/v1/status")["counters"]["fix"] == 1
        assert (root / "A.md").stat().st_mtime_ns == stamp  # no second write
        # the write was journalled; undoing it (while the daemon runs) is not fought
        undo = subprocess.run(
            [sys.executable, "-m", "vaultkit", "undo", "--vault", str(root)], capture_output=True, text=True
        )
        assert undo.returncode == 0, undo.stderr
        assert (root / "A.md").read_text() == typed
        wait_for(lambda: client.codes("A.md") == ["VK104"], what="the undone text's diagnostics")
        wait_for(client.settled, what="the daemon to settle")
        assert (root / "A.md").read_text() == typed
        assert client.get("/v1/status")["counters"]["fix"] == 1


def test_fix_endpoint_previews_a_diff_and_applies_only_when_asked(vault):
    root = vault({"A.md": "---\nrelated: [[Project Plan]]\n---\n", "Project Plan.md": "plan\n"})
    with watching(root) as (client, _):
        status, preview = client.call("POST", "/v1/fix", {"path": "A.md"})
        assert status == 200 and preview["changed"] and not preview["applied"]
        assert '+related: "[[Project Plan]]"' in preview["diff"]
        assert [f["code"] for f in preview["fixes"]] == ["VK104"]
        assert (root / "A.md").read_text() == "---\nrelated: [[Project Plan]]\n---\n"
        status, done = client.call("POST", "/v1/fix", {"path": "A.md", "apply": True})
        assert status == 200 and done["applied"]
        assert (root / "A.md").read_text() == '---\nrelated: "[[Project Plan]]"\n---\n'
        wait_for(lambda: client.problems("A.md") == [], what="the diagnostics of the fixed note")


def test_the_api_wants_the_token_and_refuses_paths_outside_the_vault(vault):
    root = vault({"A.md": "a\n"})
    with watching(root) as (client, _):
        assert (root / ".vaultkit" / "watch-token").stat().st_mode & 0o777 == 0o600
        assert client.url.startswith("http://127.0.0.1:")
        status, health = client.call("GET", "/v1/health", token=None)
        assert status == 200 and health["ok"]
        for method, route, body in [
            ("GET", "/v1/status", None),
            ("GET", "/v1/diagnostics", None),
            ("GET", "/v1/diagnostics?path=A.md", None),
            ("POST", "/v1/fix", {"path": "A.md", "apply": True}),
            ("GET", "/v1/events", None),
            ("GET", "/v1/openapi.json", None),
        ]:
            assert client.call(method, route, body, token=None)[0] == 401, route
            assert client.call(method, route, body, token="not-the-token")[0] == 401, route
        for bad in [
            "../../etc/passwd",
            "..%2F..%2Fetc%2Fpasswd",
            "/etc/passwd",
            "Sub/../../x.md",
            ".vaultkit/watch-token",
        ]:
            status, payload = client.call("GET", f"/v1/diagnostics?path={bad}")
            assert status == 400 and payload["error"]["code"] == "bad_path", bad
        status, payload = client.call("POST", "/v1/fix", {"path": "../../etc/passwd", "apply": True})
        assert status == 400 and payload["error"]["code"] == "bad_path"
        assert client.call("POST", "/v1/fix", {"path": "A.md", "aply": True})[0] == 400  # a typo never writes
        assert client.call("GET", "/v1/nothing-here", token=None)[0] == 401
        assert client.call("GET", "/v1/nothing-here")[0] == 404
        assert client.call("GET", "/v1/status", headers={"Origin": "https://evil.example"})[0] == 403
        assert client.call("GET", "/v1/status", headers={"Host": "evil.example"})[0] == 403
        status, _ = client.call("GET", "/v1/status", headers={"Origin": "app://obsidian.md"})
        assert status == 200
        request = urllib.request.Request(
            client.url + "/v1/status",
            method="OPTIONS",
            headers={"Origin": "app://obsidian.md", "Access-Control-Request-Method": "GET"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == "app://obsidian.md"
        spec = client.get("/v1/openapi.json")
        assert spec["openapi"].startswith("3.1")
        # one kept-alive connection: a refused request's body is not taken for the next request
        connection = http.client.HTTPConnection(client.url.removeprefix("http://"), timeout=10)
        connection.request("POST", "/v1/fix", body=json.dumps({"path": "A.md", "apply": True}))
        refused = connection.getresponse()
        assert refused.status == 401 and refused.read()
        connection.request("GET", "/v1/status", headers={"Authorization": f"Bearer {client.token}"})
        assert connection.getresponse().status == 200
        connection.close()


def test_one_daemon_per_vault_and_a_clean_shutdown_on_sigterm(vault):
    root = vault({"A.md": "a\n"})
    with watching(root) as (_, proc):
        second = subprocess.run(
            [sys.executable, "-m", "vaultkit", "watch", str(root)], capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 2
        assert "another `vaultkit watch` is running" in second.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert not (root / ".vaultkit" / "watch.json").exists()
    with watching(root) as (client, _):  # the lock was released
        assert client.get("/v1/status")["ready"]


def test_stopping_during_the_first_check_is_prompt_and_frees_the_lock(tmp_path, synthetic_vault):
    root = tmp_path / "vault"
    shutil.copytree(synthetic_vault(2000, 3)[0], root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", str(root), "-j", "2", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for(lambda: (root / ".vaultkit" / "watch.json").exists(), what="the server to come up")
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    assert proc.wait(timeout=30) == 0
    assert time.monotonic() - started < 10
    runtime = Runtime(root)
    runtime.lock()  # no worker process of the interrupted check still holds it
    runtime.release()


def test_polling_mode_follows_changes(vault):
    root = vault({"A.md": "a\n"})
    with watching(root, "--polling", "--poll-interval", "0.2") as (client, _):
        write(root / "A.md", "[Fetching Title#ab12](https://example.com)\n")
        wait_for(lambda: client.codes("A.md") == ["VK105"], what="the polled change")
        write(root / "New.md", "[[A]]\n")
        wait_for(lambda: client.call("GET", "/v1/diagnostics?path=New.md")[0] == 200, what="the new note")


# The "did you mean" part of a message is compared loosely: which near names it lists is
# vaultkit.rulekit.suggest's business (tested there), not the daemon's.  Everything else must be equal
# to the byte.
_SUGGESTION = re.compile(r" — did you mean .*\?$")


def _comparable(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**p, "message": _SUGGESTION.sub(" — did you mean …?", p["message"])} for p in problems]


def _fresh(root: Path) -> list[dict[str, Any]]:
    result = check_vault(root, jobs=1)
    return [problem_dict(p, result.index) for p in result.problems]


def test_a_burst_of_1000_changes_ends_with_the_same_diagnostics_as_a_fresh_check(tmp_path, synthetic_vault):
    import random

    root = tmp_path / "vault"
    shutil.copytree(synthetic_vault(300, 7)[0], root)
    rng = random.Random(7)
    with watching(root) as (client, _):
        notes = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md") if ".obsidian" not in p.parts)
        names = [Path(n).stem for n in notes]
        start = time.monotonic()
        for i in range(1000):
            kind = rng.random()
            rel = rng.choice(notes)
            path = root / rel
            if kind < 0.55 and path.exists():  # edit: links that mend, break or point at renamed notes
                line = f"\n[[{rng.choice(names)}]] [[Missing {i % 7}]] [Fetching Title#x{i}](https://e.x)\n"
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(line)
            elif kind < 0.7:  # create (some with names others link to)
                write(root / f"Burst/{rng.choice(names)} {i % 5}.md", f"# New {i}\n[[{rng.choice(names)}]]\n")
            elif kind < 0.8 and path.exists():  # delete
                path.unlink()
            elif kind < 0.9 and path.exists():  # rename, sometimes to a name that was linked
                target = root / "Moved" / f"{rng.choice(names)}.md"
                target.parent.mkdir(exist_ok=True)
                os.replace(path, target)
            else:  # a same-folder save through a temporary file, as Obsidian does
                temp = path.with_name(f".{path.name}.tmp")
                temp.write_text(f"---\ndate:\n---\n# Saved {i}\n[[{rng.choice(names)}]]\n", encoding="utf-8")
                os.replace(temp, path)
            time.sleep(max(0.0, start + (i + 1) * 0.002 - time.monotonic()))
        elapsed = time.monotonic() - start
        assert elapsed < 3.0, f"the burst took {elapsed:.1f} s"
        wait_for(client.settled, timeout=60, what="the daemon to settle")
        served = client.get("/v1/diagnostics")["problems"]
    fresh = _fresh(root)
    assert len(fresh) > 50  # the burst left plenty to report
    assert _comparable(served) == _comparable(fresh)


def test_the_plugin_endpoints_handshake_document_rules_and_fix_one_problem(vault):
    root = vault(
        {
            "A.md": "---\nrelated: [[Project Plan]]\nsee: [[Project Plan]]\n---\n",
            "Project Plan.md": "plan\n",
        }
    )
    with watching(root) as (client, _):
        request = urllib.request.Request(client.url + "/v1/status", headers={"Authorization": f"Bearer {client.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            status = json.loads(response.read())
            assert response.headers["X-Vaultkit-Ready"] == "true"
        assert status["api"] == 1 and status["version"] == client.call("GET", "/v1/health", token=None)[1]["version"]
        assert client.call("GET", "/v1/health", token=None)[1]["api"] == 1
        assert client.get("/v1/diagnostics")["ready"] is True
        events = Events(client)
        wait_for(lambda: events.named("hello"), what="the stream's hello")
        assert events.named("hello")[0]["api"] == 1
        # rule documentation: the same text as `vaultkit rule NAME`, by name or code
        printed = subprocess.run(
            [sys.executable, "-m", "vaultkit", "rule", "property-type"], capture_output=True, text=True, check=True
        ).stdout
        for name in ("property-type", "vk104"):
            doc = client.get(f"/v1/rules/{name}")
            assert doc["name"] == "property-type" and doc["documentation"] + "\n" == printed
        assert client.call("GET", "/v1/rules/no-such-rule")[0] == 404
        assert client.call("GET", "/v1/rules/property-type", token="wrong")[0] == 401
        listed = {r["name"]: r for r in client.get("/v1/rules")["rules"]}
        assert listed["property-type"]["active"] and not listed["unknown-math-command"]["active"]
        # a quick fix: only the named problem, and the text an editor should now show
        first, second = client.problems("A.md")
        assert first["code"] == second["code"] == "VK104" and first["line"] == 2 and second["line"] == 3
        key = {k: second[k] for k in ("code", "line", "column")}
        status, done = client.call("POST", "/v1/fix", {"path": "A.md", "apply": True, "problem": key})
        expected = '---\nrelated: [[Project Plan]]\nsee: "[[Project Plan]]"\n---\n'
        assert status == 200 and done["applied"] and done["text"] == expected
        assert (root / "A.md").read_text() == expected
        assert [f["line"] for f in done["fixes"]] == [3]
        wait_for(lambda: [p["line"] for p in client.problems("A.md")] == [2], what="one problem left")
        status, stale = client.call("POST", "/v1/fix", {"path": "A.md", "apply": True, "problem": key})
        assert status == 409 and stale["error"]["code"] == "stale"
        assert (root / "A.md").read_text() == expected
        for bad in ({"code": "VK104"}, {"code": "VK104", "line": 0, "column": 1}, "VK104"):
            assert client.call("POST", "/v1/fix", {"path": "A.md", "problem": bad})[0] == 400
        # re-check on request: the whole vault is read again and announced on the stream
        generation = client.get("/v1/status")["generation"]
        assert client.call("POST", "/v1/recheck", {})[0] == 202
        wait_for(lambda: events.named("reload"), what="the reload event")
        assert client.get("/v1/status")["generation"] > generation
