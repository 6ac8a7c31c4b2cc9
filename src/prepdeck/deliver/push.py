"""Import freshly built packages into a running desktop Anki through the AnkiConnect add-on.

AnkiConnect (https://ankiweb.net/shared/info/2055492159) answers JSON at 127.0.0.1:8765.
Its `importPackage` runs Anki's own importer on a path that Anki itself reads, so Anki must
run on this machine (or see the same files). What the import did is read back from Anki:
the package's notes before and after, by the deck's note type.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from prepdeck.errors import PrepdeckError

DEFAULT_URL = "http://127.0.0.1:8765"
ADDON_CODE = "2055492159"
API_VERSION = 6  # the protocol prepdeck speaks: {"result", "error"} replies
TIMEOUT = 30.0  # seconds for one answer (an import of a large deck takes a few)
_INSTALL = (
    f"install the AnkiConnect add-on in Anki (Tools > Add-ons > Get Add-ons, code {ADDON_CODE})"
)
# AnkiConnect's answer to any action on the collection while Anki shows its profile window
# (no profile open): its `collection()` raises this, seen with Anki 26.9 and AnkiConnect at
# FooSoft/anki-connect 4064fa1.
_NO_COLLECTION_ERROR = "collection is not available"
_NO_COLLECTION = (
    "Anki has no collection open (its profile window, a sync or another dialog is "
    "waiting): finish it in Anki, then run again"
)


class AnkiConnectError(PrepdeckError):
    """Anki could not be reached, or refused what was asked."""


@dataclass(frozen=True)
class Counts:
    """What one import did to the package's notes, read from Anki."""

    new: int
    updated: int
    unchanged: int

    def line(self) -> str:
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"


class AnkiConnect:
    """A client for AnkiConnect's JSON protocol (version 6)."""

    def __init__(self, url: str = DEFAULT_URL, timeout: float = TIMEOUT):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PrepdeckError(f"--url {url}: give an address such as {DEFAULT_URL}")
        self.url = url
        self.timeout = timeout

    @property
    def local(self) -> bool:
        """Whether the URL names this computer (where Anki can read the package's path)."""
        return urlsplit(self.url).hostname in ("localhost", "127.0.0.1", "::1")

    def call(self, action: str, **params: object) -> object:
        """One action; its result, or an AnkiConnectError in words a learner can act on."""
        reply = self._post(action, params)
        if not isinstance(reply, dict) or set(reply) != {"result", "error"}:
            raise self._not_ankiconnect("its answer is not AnkiConnect's")
        if reply["error"] is not None:
            if reply["error"] == _NO_COLLECTION_ERROR:
                raise AnkiConnectError(_NO_COLLECTION)
            raise AnkiConnectError(f"Anki refused {action}: {reply['error']}")
        return reply["result"]

    def _post(self, action: str, params: dict[str, object]) -> object:
        body = json.dumps({"action": action, "version": API_VERSION, "params": params}).encode()
        request = urllib.request.Request(
            self.url, body, {"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read(64 * 1024 * 1024)
        except urllib.error.HTTPError as err:
            if err.code == 403:
                raise AnkiConnectError(
                    f"AnkiConnect at {self.url} refused the request (403): allow it in "
                    "Anki's AnkiConnect settings (webCorsOriginList), then run again"
                ) from None
            raise self._not_ankiconnect(f"it answered HTTP {err.code}") from None
        except (urllib.error.URLError, OSError) as err:
            raise self._unreachable(getattr(err, "reason", err)) from None
        try:
            return json.loads(raw)
        except ValueError:
            raise self._not_ankiconnect("its answer is not AnkiConnect's") from None

    def _unreachable(self, reason: object) -> AnkiConnectError:
        if isinstance(reason, TimeoutError):
            return AnkiConnectError(
                f"Anki did not answer at {self.url} within {self.timeout:g} s: it may be busy "
                "(a long sync or import, Check Database) or a modal window may be waiting in "
                "it; let it finish, then run again"
            )
        if isinstance(reason, ConnectionRefusedError):
            return AnkiConnectError(
                f"nothing answers at {self.url}: start Anki. If it is running, {_INSTALL}, "
                "then restart Anki"
            )
        return AnkiConnectError(
            f"cannot reach Anki at {self.url}: {getattr(reason, 'strerror', None) or reason}"
        )

    def _not_ankiconnect(self, why: str) -> AnkiConnectError:
        return AnkiConnectError(
            f"something answers at {self.url}, but not AnkiConnect ({why}); {_INSTALL}, "
            "or give the right --url"
        )

    def check(self) -> None:
        """Anki runs, AnkiConnect is there, lets prepdeck in, is new enough, and Anki has a
        collection open."""
        permission = self.call("requestPermission")
        if not isinstance(permission, dict) or permission.get("permission") != "granted":
            raise AnkiConnectError(
                f"AnkiConnect at {self.url} did not let prepdeck in; allow it when Anki asks "
                "(or in Tools > Add-ons > AnkiConnect > Config), then run again"
            )
        if permission.get("requireApikey"):
            raise AnkiConnectError(
                "AnkiConnect asks for an API key (its apiKey setting), which prepdeck push "
                "does not send; clear apiKey in Tools > Add-ons > AnkiConnect > Config"
            )
        # Before protocol 5, replies were the bare result: an old AnkiConnect answers `4`.
        reply = self._post("version", {})
        version = reply.get("result") if isinstance(reply, dict) else reply
        if not isinstance(version, int) or isinstance(version, bool):
            raise self._not_ankiconnect("its answer is not AnkiConnect's")
        if version < API_VERSION:
            raise AnkiConnectError(
                f"AnkiConnect in Anki is too old (protocol {version}; prepdeck needs "
                f"{API_VERSION}): update it in Tools > Add-ons (select AnkiConnect, code "
                f"{ADDON_CODE}, then Check for Updates), and restart Anki"
            )
        # AnkiConnect answers from Anki's profile window too; only the collection's actions
        # fail there. A search that finds nothing asks for the collection, cheaply.
        self.call("findNotes", query="nid:1")

    def sync(self) -> None:
        self.call("sync")

    def notes(self, notetype: str, ids: Sequence[str]) -> dict[str, tuple[object, object]]:
        """The package's notes now in Anki, by question id: (fields, tags)."""
        found = self.call("findNotes", query=f'"note:{_search_text(notetype)}"')
        if not isinstance(found, list):
            raise self._not_ankiconnect("findNotes gave no list")
        info = self.call("notesInfo", notes=found) if found else []
        wanted = set(ids)
        out: dict[str, tuple[object, object]] = {}
        for note in info if isinstance(info, list) else []:
            fields = note.get("fields") or {} if isinstance(note, dict) else {}
            qid = (fields.get("Id") or {}).get("value")
            if qid in wanted:
                out[qid] = (
                    {k: v.get("value") for k, v in fields.items()},
                    sorted(note.get("tags") or []),
                )
        return out

    def import_package(self, path: Path) -> None:
        try:
            done = self.call("importPackage", path=str(path.resolve()))
        except AnkiConnectError as err:
            if not self.local:
                raise AnkiConnectError(
                    f"{err}\nAnki runs on another machine ({self.url}) and reads the package "
                    f"from its own disk: copy {path} there, or run prepdeck push on that "
                    "machine"
                ) from None
            raise
        if done is not True:
            raise AnkiConnectError(_NO_COLLECTION)


def _search_text(text: str) -> str:
    """Text for an Anki search term: its wildcards and quotes taken literally."""
    out = []
    for ch in text:
        if ch in '\\"*_':
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Pushed:
    """One package's import, counted."""

    name: str
    counts: Counts


def push_package(anki: AnkiConnect, path: Path, notetype: str, ids: Sequence[str]) -> Counts:
    """Import one package and count, from Anki's own notes, what the import changed."""
    before = anki.notes(notetype, ids)
    anki.import_package(path)
    after = anki.notes(notetype, ids)
    new = sum(1 for q in after if q not in before)
    updated = sum(1 for q in after if q in before and after[q] != before[q])
    return Counts(new, updated, len(after) - new - updated)


def to_push(results, selection) -> list[tuple[Path, str, list[str]]]:
    """What `push` imports for a build's results: each package, its note type, and the ids of
    the questions the selection put in it."""
    from prepdeck.cards.notetype import notetype_name

    return [
        (
            r.output,
            notetype_name(r.deck.key),
            [q.id for q in r.deck.questions if selection.matches(q)],
        )
        for r in results
    ]


def push(
    anki: AnkiConnect,
    packages: Sequence[tuple[Path, str, Sequence[str]]],
    sync: bool,
    say: Callable[[str], None],
) -> list[Pushed]:
    """Sync (if asked), import each (path, note type, question ids), sync again. Call
    anki.check() first."""
    if sync:
        say("asking Anki to sync first, so reviews made on other devices arrive before the import")
        anki.sync()
    done = []
    for path, notetype, ids in packages:
        counts = push_package(anki, path, notetype, ids)
        say(f"{path.name}: imported into Anki: {counts.line()}")
        done.append(Pushed(path.name, counts))
    if sync:
        say("asking Anki to sync again, so your other devices get the cards")
        anki.sync()
    return done
