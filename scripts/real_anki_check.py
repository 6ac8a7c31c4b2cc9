"""`prepdeck push` against the real thing: Anki desktop (aqt, from PyPI) with the real
AnkiConnect add-on, offscreen, in a throwaway base folder. By hand, not in CI.

    make real-anki ANKICONNECT_DIR=/path/to/anki-connect/plugin

ANKICONNECT_DIR is AnkiConnect's plugin folder (the one holding __init__.py and
config.json), from the add-on you trust; this script never downloads it. Without it the
check is skipped. Run with the Python of a virtualenv holding aqt and PyQt6-WebEngine (the
make target builds one); prepdeck itself runs from PREPDECK (default .venv/bin/prepdeck).

What it checks, in a copy of decks/ (the project's own files are never touched):
- a first push prints 10 new, and Anki then holds those 10 notes;
- a tip edited: 1 updated, and Anki holds the edited text; unchanged: 0 updated;
- the messages for an API key set, Anki's profile window open (no collection), Anki not
  running, and Anki without the add-on.
AnkiConnect listens on 127.0.0.1 at a free port (never a running Anki's 8765).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECK = "resource-sharing-interview"
TIP = "Mention formal training you had on any of them."
EDITED = "Mention formal training you had on any of them, and when."
ADDON = "2055492159"
failures: list[str] = []


def check(what: str, ok: bool, detail: str = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + ("" if ok else f"\n     {detail}"))
    if not ok:
        failures.append(what)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_base(base: Path, addon: Path | None, port: int) -> None:
    """A base folder Anki opens without its first-run dialogs (language, profile)."""
    from aqt.profiles import ProfileManager

    base.mkdir(parents=True)
    pm = ProfileManager(base)
    pm.setupMeta()
    pm.setLang("en_US")  # what the first-run language dialog stores
    pm.create("user")
    pm.meta["firstRun"] = False
    pm.load("user")
    pm.profile["autoSync"] = False
    pm.save()
    pm.db.close()
    if addon is not None:
        target = base / "addons21" / ADDON
        shutil.copytree(addon, target)
        config = json.loads((target / "config.json").read_text())
        config.update(webBindAddress="127.0.0.1", webBindPort=port, apiKey=None)
        (target / "meta.json").write_text(json.dumps({"config": config}))


def set_api_key(base: Path, key: str | None) -> None:
    meta = base / "addons21" / ADDON / "meta.json"
    data = json.loads(meta.read_text())
    data["config"]["apiKey"] = key
    meta.write_text(json.dumps(data))  # AnkiConnect reads its config on every request


class Anki:
    def __init__(self, base: Path, profile: str, port: int | None, log: Path):
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox --disable-gpu",
        }
        code = "import sys; from aqt import run; sys.exit(run())"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, "-b", str(base), "-p", profile],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if port is None:
            time.sleep(15)  # no add-on: nothing to wait for but the start-up
            return
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    sys.exit(f"Anki did not start with AnkiConnect on port {port}; see {log}")
                time.sleep(0.5)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)  # Anki closes its collection on SIGTERM...
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # ...but not from its profile window
            self.proc.wait()


def ankiconnect(url: str, action: str, **params: object) -> object:
    body = json.dumps({"action": action, "version": 6, "params": params}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, body), timeout=30) as answer:
        reply = json.loads(answer.read())
    if reply["error"] is not None:
        raise RuntimeError(f"{action}: {reply['error']}")
    return reply["result"]


def push(project: Path, url: str) -> subprocess.CompletedProcess:
    prepdeck = os.path.abspath(os.environ.get("PREPDECK", ROOT / ".venv" / "bin" / "prepdeck"))
    return subprocess.run(
        [prepdeck, "push", "--url", url], cwd=project, capture_output=True, text=True
    )


def imported(result: subprocess.CompletedProcess) -> str:
    lines = result.stdout.splitlines()
    return lines[-1] if result.returncode == 0 and lines else result.stdout + result.stderr


def main() -> int:
    addon = os.environ.get("ANKICONNECT_DIR")
    if not addon:
        print("real-anki: skipped (set ANKICONNECT_DIR to AnkiConnect's plugin folder)")
        return 0
    addon_dir = Path(addon)
    if not (addon_dir / "__init__.py").is_file() or not (addon_dir / "config.json").is_file():
        sys.exit(f"ANKICONNECT_DIR={addon}: not AnkiConnect's plugin folder (no __init__.py)")
    work = Path(tempfile.mkdtemp(prefix="prepdeck-real-anki-"))
    print(f"working in {work} (Anki's logs are there)")
    project = work / "project"
    shutil.copytree(ROOT / "decks", project / "decks")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    base = work / "base"
    prepare_base(base, addon_dir, port)
    note = f'"note:prepdeck-{DECK}"'
    prefix = f"{DECK}.apkg: imported into Anki: "

    anki = Anki(base, "user", port, work / "anki.log")
    try:
        first = push(project, url)
        check(
            "first push: 10 new",
            imported(first) == prefix + "10 new, 0 updated, 0 unchanged",
            imported(first),
        )
        check("Anki holds 10 notes", len(ankiconnect(url, "findNotes", query=note)) == 10)

        deck = project / "decks" / f"{DECK}.yaml"
        text = deck.read_text(encoding="utf-8")
        if TIP not in text:
            sys.exit(f"{deck}: the tip this check edits is gone: {TIP!r}")
        deck.write_text(text.replace(TIP, EDITED, 1), encoding="utf-8")
        second = push(project, url)
        check(
            "tip edited: 1 updated",
            imported(second) == prefix + "0 new, 1 updated, 9 unchanged",
            imported(second),
        )
        check(
            "Anki holds the edited tip",
            len(ankiconnect(url, "findNotes", query=f'{note} "*and when.*"')) == 1,
        )
        third = push(project, url)
        check(
            "unchanged: 0 updated",
            imported(third) == prefix + "0 new, 0 updated, 10 unchanged",
            imported(third),
        )

        set_api_key(base, "secret")
        keyed = push(project, url)
        check(
            "API key message",
            keyed.returncode == 1 and "clear apiKey" in keyed.stderr,
            keyed.stderr,
        )
        set_api_key(base, None)
    finally:
        anki.stop()

    stopped = push(project, url)
    check(
        "Anki not running message",
        stopped.returncode == 1 and f"nothing answers at {url}: start Anki" in stopped.stderr,
        stopped.stderr,
    )

    anki = Anki(base, "no-such-profile", port, work / "anki-profile-window.log")
    try:
        window = push(project, url)
        check(
            "profile window message",
            window.returncode == 1 and "Anki has no collection open" in window.stderr,
            window.stderr,
        )
    finally:
        anki.stop()

    bare = work / "base-without-addon"
    prepare_base(bare, None, port)
    anki = Anki(bare, "user", None, work / "anki-without-addon.log")
    try:
        missing = push(project, url)
        check(
            "add-on missing message",
            missing.returncode == 1 and "install the AnkiConnect add-on" in missing.stderr,
            missing.stderr,
        )
    finally:
        anki.stop()

    print(f"{len(failures)} of the checks failed" if failures else "every check passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
