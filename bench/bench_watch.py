"""Benchmark `vaultkit watch` on the 10,000-note bench vault: start-up, edit latency, memory.

    python bench/bench_watch.py [--vault /tmp/bv/v10k] [--edits 200] [--debounce 0.3] [--jobs N] [--warm]

The vault is copied to a temporary folder first (the bench vault itself is never touched),
then the daemon runs as a subprocess on the copy and is measured from outside, through its
API, like the Obsidian plugin would see it:

* start-up: from launching the process to ``/v1/health`` reporting the first full result
  (with ``--warm``, from a check cache filled by ``vaultkit check`` on the copy first, as a
  daemon started on a vault checked before finds it);
* latency: for N single-note edits (each appends a placeholder link, so that note's problems
  change), the time from the file's write to the Server-Sent Event carrying the note's new
  diagnostics -- sent once they are what ``GET /v1/diagnostics`` serves (checked after each
  edit).  Reported with the debounce window subtracted: the daemon deliberately waits that
  long after the last event of a file before reading it;
* memory: the daemon's resident set size after the edits (VmRSS) and its peak (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

TARGET_P95_MS, TARGET_MB = 100.0, 400.0


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


class Stream:
    """Reads the daemon's SSE stream; records when each note's diagnostics event arrived."""

    def __init__(self, url: str, token: str) -> None:
        request = urllib.request.Request(url + "/v1/events", headers={"Authorization": f"Bearer {token}"})
        self.response = urllib.request.urlopen(request, timeout=60)
        self.cond = threading.Condition()
        self.arrived: dict[str, list[float]] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = None
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name == "diagnostics":
                now = time.perf_counter()
                path = json.loads(line[6:])["path"]
                with self.cond:
                    self.arrived.setdefault(path, []).append(now)
                    self.cond.notify_all()

    def wait(self, path: str, after: float, timeout: float = 30.0) -> float:
        with self.cond:
            ok = self.cond.wait_for(lambda: any(t > after for t in self.arrived.get(path, ())), timeout)
            if not ok:
                raise SystemExit(f"no diagnostics event for {path} within {timeout} s")
            return min(t for t in self.arrived[path] if t > after)


def get(url: str, token: str, route: str) -> dict:
    request = urllib.request.Request(url + route, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def run(vault: Path, edits: int, debounce: float, jobs: int | None, seed: int, warm: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="vaultkit-bench-watch-") as tmp:
        root = Path(tmp) / "vault"
        shutil.copytree(vault, root, symlinks=True)
        shutil.rmtree(root / ".vaultkit", ignore_errors=True)
        if warm:
            time.sleep(2.1)  # past the cache's racy window: the copied files' stat is trusted
            subprocess.run([sys.executable, "-m", "vaultkit", "check", str(root), "-q"], stdout=subprocess.DEVNULL)
        args = [sys.executable, "-m", "vaultkit", "watch", str(root), "--debounce", str(debounce), "-q"]
        if jobs:
            args += ["--jobs", str(jobs)]
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            discovery = root / ".vaultkit" / "watch.json"
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise SystemExit(f"the daemon exited: {proc.stderr.read() if proc.stderr else ''}")
                try:
                    info = json.loads(discovery.read_text())
                    with urllib.request.urlopen(info["url"] + "/v1/health", timeout=5) as response:
                        if json.loads(response.read())["ready"]:
                            break
                except (OSError, ValueError, KeyError):
                    pass
                time.sleep(0.01)
            else:
                raise SystemExit("the daemon did not become ready in 300 s")
            startup = time.perf_counter() - start
            url, token = info["url"], (root / ".vaultkit" / "watch-token").read_text().strip()
            status = get(url, token, "/v1/status")
            stream = Stream(url, token)
            time.sleep(0.5)
            notes = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md") if ".obsidian" not in p.parts)
            rng = random.Random(seed)
            latencies = []
            for i in range(edits):
                rel = rng.choice(notes)
                path = root / rel
                text = path.read_text(encoding="utf-8") + f"\n[Fetching Title#bench{i}](https://example.com)\n"
                written = time.perf_counter()
                path.write_text(text, encoding="utf-8")
                arrived = stream.wait(rel, written)
                latencies.append(arrived - written)
                served = get(url, token, "/v1/diagnostics?path=" + urllib.parse.quote(rel))["problems"]
                if not any(f"bench{i}" in p["message"] for p in served):
                    raise SystemExit(f"{rel}: the new diagnostics are not served after the event")
                time.sleep(0.05)
            rss, peak = memory(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
        if code != 0:
            raise SystemExit(f"the daemon did not shut down cleanly (exit {code})")
    net = sorted((t - debounce) * 1000 for t in latencies)
    return {
        "notes": status["notes"],
        "problems": status["problems"],
        "startup": startup,
        "p50": statistics.median(net),
        "p95": net[max(0, round(0.95 * len(net)) - 1)],
        "max": net[-1],
        "raw_p50": statistics.median(latencies) * 1000,
        "rss": rss,
        "peak": peak,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vault", type=Path, default=Path("/tmp/bv/v10k"))
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--debounce", type=float, default=0.3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=1, help="runs; the best of each figure is reported too")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warm", action="store_true", help="start the daemon from a filled check cache")
    a = ap.parse_args()
    if not (a.vault / ".obsidian").is_dir():
        raise SystemExit(f"{a.vault} is not a vault (make one with ../shared/bench/make_vault.py)")
    runs = []
    for n in range(a.repeat):
        r = run(a.vault, a.edits, a.debounce, a.jobs, a.seed + n, a.warm)
        runs.append(r)
        print(
            f"run {n + 1}: {r['notes']} notes, {r['problems']} problems; start-up to first full result "
            f"{r['startup']:.2f} s; {a.edits} edits, write -> updated diagnostics served, minus the "
            f"{a.debounce * 1000:.0f} ms debounce: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms "
            f"(raw p50 {r['raw_p50']:.1f} ms); RSS {r['rss']:.0f} MB, peak {r['peak']:.0f} MB"
        )
    best = {k: min(r[k] for r in runs) for k in ("startup", "p50", "p95", "rss", "peak")}
    print(
        f"best of {len(runs)}: start-up {best['startup']:.2f} s; p50 {best['p50']:.1f} ms, p95 {best['p95']:.1f} ms "
        f"(target <= {TARGET_P95_MS:.0f}); RSS {best['rss']:.0f} MB, peak {best['peak']:.0f} MB (target <= {TARGET_MB:.0f})"
    )


if __name__ == "__main__":
    main()
