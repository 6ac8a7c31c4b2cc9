"""`prepdeck push`: into a running desktop Anki through AnkiConnect, with syncs around it.

The desktop is a real collection behind a stand-in for the AnkiConnect add-on (see
tests/ankiconnect_standin.py for why, and how closely it follows the add-on); AnkiWeb is
Anki's own sync server (`python -m anki.syncserver`, from the `anki` package) on loopback;
the phone is a second collection synced with the backend's sync client.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankiconnect_standin import AnkiConnectStandIn
from prepdeck.cli import cli
from prepdeck.deliver.push import AnkiConnect, AnkiConnectError

from conftest import Anki, edit

USER, PASSWORD = "learner", "secret"


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sync_server(tmp_path):
    """Anki's sync server on loopback, standing for AnkiWeb; yields its endpoint."""
    port = _free_port()
    env = {
        **os.environ,
        "SYNC_USER1": f"{USER}:{PASSWORD}",
        "SYNC_BASE": str(tmp_path / "syncserver"),
        "SYNC_HOST": "127.0.0.1",
        "SYNC_PORT": str(port),
        "RUST_LOG": "error",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "anki.syncserver"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the sync server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Device(Anki):
    """A collection that syncs with the sync server, as a learner's device does."""

    def __init__(self, folder: Path, endpoint: str):
        folder.mkdir(parents=True)
        super().__init__(folder)
        self.auth = self.col.sync_login(USER, PASSWORD, endpoint)

    def sync(self) -> int:
        """A normal sync; a full one only where Anki would ask (first sync of a device)."""
        from anki.sync_pb2 import SyncCollectionResponse as R

        out = self.col.sync_collection(self.auth, sync_media=False)
        if out.required in (R.FULL_UPLOAD, R.FULL_DOWNLOAD, R.FULL_SYNC):
            upload = out.required == R.FULL_UPLOAD
            self.col.close_for_full_sync()
            self.col.full_upload_or_download(
                auth=self.auth, server_usn=out.server_media_usn, upload=upload
            )
            self.col.reopen(after_full_sync=True)
        return out.required


def _push(project: Path, url: str, *args: str):
    cwd = os.getcwd()
    os.chdir(project)
    try:
        return CliRunner().invoke(cli, ["push", "--url", url, *args])
    finally:
        os.chdir(cwd)


def test_push_with_sync_keeps_every_phone_review_and_brings_every_change_to_the_phone(
    deck_file, tmp_path, sync_server
):
    from anki.sync_pb2 import SyncCollectionResponse as R

    project = deck_file.parent.parent
    desktop = Device(tmp_path / "desktop", sync_server)
    phone = Device(tmp_path / "phone", sync_server)
    try:
        with AnkiConnectStandIn(desktop.col, auth=desktop.auth) as anki:
            # The learner's first push; the desktop's first sync is a full upload (Anki asks
            # which way), the phone's a full download.
            first = _push(project, anki.url)
            assert first.exit_code == 0, first.output
            assert first.stdout.splitlines()[-1] == (
                "resource-sharing-interview.apkg: imported into Anki: 10 new, 0 updated, "
                "0 unchanged"
            )
            assert desktop.sync() == R.FULL_UPLOAD
            assert phone.sync() == R.FULL_DOWNLOAD
            assert len(phone.notes()) == 10

            # 1. The phone studies and syncs.
            reviewed = {
                qid: phone.review(qid, ease)
                for qid, ease in [("unhappy-user", 3), ("ill-systems", 1), ("team-qualities", 4)]
            }
            due_on_phone = {q: phone.col.get_card(c).due for q, c in reviewed.items()}
            assert phone.sync() in (R.NO_CHANGES, R.NORMAL_SYNC)  # no full sync

            # 2. The deck changes (an edited question, a new one); push --sync sends it.
            edit(deck_file, "an unhappy or frustrated", "a very unhappy")
            text = deck_file.read_text(encoding="utf-8")
            deck_file.write_text(
                text
                + "\n  - id: brand-new\n    topic: Fresh\n    question: A brand new question?\n"
                "    tips:\n      - A tip.\n",
                encoding="utf-8",
            )
            anki.actions.clear()
            second = _push(project, anki.url, "--sync")
            assert second.exit_code == 0, second.output
            assert anki.actions == [
                "requestPermission",
                "version",
                "findNotes",
                "sync",
                "findNotes",
                "notesInfo",
                "importPackage",
                "findNotes",
                "notesInfo",
                "sync",
            ]
            assert "imported into Anki: 1 new, 1 updated, 9 unchanged" in second.stdout

        # 3. The phone syncs.
        assert phone.sync() in (R.NO_CHANGES, R.NORMAL_SYNC)  # no full sync

        # 4. Every new and edited card is on the phone; every review it made is kept.
        notes = phone.notes()
        assert len(notes) == 11
        assert "A brand new question?" in notes["brand-new"]["Question"]
        assert "a very unhappy library user" in notes["unhappy-user"]["Question"]
        for qid, cid in reviewed.items():
            assert phone.revlog(cid) == 1, qid
            assert phone.col.get_card(cid).due == due_on_phone[qid], qid
        # ... and on the desktop, where the import happened after the phone's reviews arrived.
        for qid in reviewed:
            assert desktop.revlog(desktop.card(qid).id) == 1, qid
    finally:
        desktop.close()
        phone.close()


INSTALL = "install the AnkiConnect add-on in Anki (Tools > Add-ons > Get Add-ons, code 2055492159)"


def _refused(project: Path, url: str, message: str) -> None:
    result = _push(project, url)

    assert result.exit_code == 1
    assert result.stderr == f"prepdeck: {message}\n"


def test_anki_not_running_is_found_before_building(deck_file):
    project = deck_file.parent.parent
    url = f"http://127.0.0.1:{_free_port()}"

    _refused(
        project,
        url,
        f"nothing answers at {url}: start Anki. If it is running, {INSTALL}, then restart Anki",
    )
    assert not (project / "dist").exists()


def test_something_else_on_the_port_is_not_taken_for_ankiconnect(deck_file, tmp_path):
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        _refused(
            deck_file.parent.parent,
            url,
            f"something answers at {url}, but not AnkiConnect (it answered HTTP 501); "
            f"{INSTALL}, or give the right --url",
        )
    finally:
        server.shutdown()
        server.server_close()


def test_an_old_ankiconnect_is_named_with_its_add_on_code(deck_file, anki):
    with AnkiConnectStandIn(anki.col, version=4) as old:
        _refused(
            deck_file.parent.parent,
            old.url,
            "AnkiConnect in Anki is too old (protocol 4; prepdeck needs 6): update it in "
            "Tools > Add-ons (select AnkiConnect, code 2055492159, then Check for Updates), "
            "and restart Anki",
        )


def test_an_api_key_setting_is_named(deck_file, anki):
    with AnkiConnectStandIn(anki.col, api_key="k") as keyed:
        _refused(
            deck_file.parent.parent,
            keyed.url,
            "AnkiConnect asks for an API key (its apiKey setting), which prepdeck push does "
            "not send; clear apiKey in Tools > Add-ons > AnkiConnect > Config",
        )


def test_a_prompt_waiting_in_anki_is_named_when_anki_does_not_answer():
    """AnkiConnect answers on Anki's main thread: a modal prompt there keeps it silent."""
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # connections queue, and nothing ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(AnkiConnectError) as caught:
            AnkiConnect(url, timeout=0.5).check()

    assert str(caught.value) == (
        f"Anki did not answer at {url} within 0.5 s: it may be busy (a long sync or import, "
        "Check Database) or a modal window may be waiting in it; let it finish, then run again"
    )


def test_no_open_collection_is_named_before_building(deck_file, anki):
    """Anki's profile window is open: AnkiConnect answers, but not about the collection."""
    project = deck_file.parent.parent
    with AnkiConnectStandIn(anki.col, collection_open=False) as closed:
        _refused(
            project,
            closed.url,
            "Anki has no collection open (its profile window, a sync or another dialog is "
            "waiting): finish it in Anki, then run again",
        )
    assert not (project / "dist").exists()


def test_anki_on_another_machine_is_told_the_package_is_not_on_its_disk(deck_file, anki, tmp_path):
    """Anki reads the package path on its own machine (here: another folder as its disk)."""
    other_disk = tmp_path / "other-machine"
    other_disk.mkdir()
    with AnkiConnectStandIn(anki.col, disk=other_disk, host="127.0.0.2") as remote:
        result = _push(deck_file.parent.parent, remote.url)

    package = Path("dist/resource-sharing-interview.apkg")
    assert result.exit_code == 1
    assert result.stderr.startswith("prepdeck: Anki refused importPackage: ")
    assert result.stderr.endswith(
        f"\nAnki runs on another machine ({remote.url}) and reads the package from its own "
        f"disk: copy {package} there, or run prepdeck push on that machine\n"
    )
    assert anki.notes() == {}


def test_a_bad_url_is_a_usage_message(deck_file):
    _refused(
        deck_file.parent.parent,
        "127.0.0.1:8765",
        "--url 127.0.0.1:8765: give an address such as http://127.0.0.1:8765",
    )
