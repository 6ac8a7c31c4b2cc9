"""A STAND-IN for the AnkiConnect add-on, for the push tests: its JSON protocol over HTTP,
with a real Anki collection (the `anki` backend) behind it.

Why a stand-in: AnkiConnect is published only as an Anki add-on (AnkiWeb code 2055492159,
source on GitHub); CI reaches PyPI, Debian and npm only, so it cannot install the add-on.
This server answers the actions prepdeck push uses exactly as AnkiConnect does (read from
its source, FooSoft/anki-connect at commit 4064fa142785975255457abd6a496015f5b71f38,
plugin/__init__.py and plugin/web.py):

- replies {"result": ..., "error": ...} for version >= 5, the bare result below that;
- every action but requestPermission needs the API key when one is set
  ("valid api key must be provided");
- importPackage runs `anki.importing.AnkiPackageImporter(col, path).run()`, the very call
  AnkiConnect makes, so the import options (presets, merge note types) are Anki's own;
  with no collection open (Anki's profile window), it and every other action on the
  collection answer the error "collection is not available" (AnkiConnect's `collection()`
  raises it; seen with real Anki 26.9.3 and the add-on at that commit, `anki -p` naming
  no profile: findNotes and importPackage both answered it);
- notesInfo returns noteId, tags, fields {name: {value, order}}, modelName, cards;
- sync runs a normal sync against a sync server, as Anki's Sync button does. In Anki,
  AnkiConnect's `sync` starts that sync (mw.onSync) and returns; the collection stays
  locked by the sync until it ends, so the next call waits for it. Here it simply runs
  to the end before answering. A sync that needs a full upload or download is refused,
  as Anki would ask the learner first.

Like AnkiConnect on Qt's main thread, it answers one request at a time.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


class AnkiConnectStandIn:
    def __init__(
        self,
        col,
        *,
        auth=None,
        version: int = 6,
        api_key: str | None = None,
        collection_open: bool = True,
        disk: Path | None = None,
        host: str = "127.0.0.1",
    ):
        self.col = col
        self.auth = auth  # a SyncAuth from col.sync_login, for `sync`
        self.version = version
        self.api_key = api_key
        self.collection_open = collection_open
        self.disk = disk  # another machine's disk: paths are looked up under this folder
        self.actions: list[str] = []
        self.server = HTTPServer((host, 0), self._handler())
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.1,))
        self.thread.daemon = True

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    # The actions, as AnkiConnect defines them.
    def version_(self):
        return self.version

    def requestPermission(self, origin="", allowed=True):
        if not allowed:
            return {"permission": "denied"}
        return {
            "permission": "granted",
            "requireApikey": bool(self.api_key),
            "version": self.version,
        }

    def sync(self):
        from anki.sync_pb2 import SyncCollectionResponse

        out = self.col.sync_collection(self.auth, sync_media=False)
        if out.required not in (
            SyncCollectionResponse.NO_CHANGES,
            SyncCollectionResponse.NORMAL_SYNC,
        ):
            raise Exception(f"a full sync is needed (required={out.required})")

    def collection(self):
        if not self.collection_open:
            raise Exception("collection is not available")
        return self.col

    def findNotes(self, query=None):
        return list(self.collection().find_notes(query or ""))

    def notesInfo(self, notes):
        result = []
        for nid in notes:
            note = self.collection().get_note(nid)
            model = note.note_type()
            result.append(
                {
                    "noteId": note.id,
                    "tags": note.tags,
                    "fields": {
                        f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]}
                        for f in model["flds"]
                    },
                    "modelName": model["name"],
                    "cards": list(note.card_ids()),
                }
            )
        return result

    def importPackage(self, path):
        col = self.collection()
        if self.disk is not None:
            path = str(self.disk / Path(path).relative_to("/"))
        # The class AnkiConnect's `from anki.importing import AnkiPackageImporter` gets, by
        # its own name (the public one prints a deprecation notice on every use).
        from anki.importing import _LegacyAnkiPackageImporter

        _LegacyAnkiPackageImporter(col, path).run()
        col.models._clear_cache()
        return True

    def handle(self, request: dict) -> object:
        self.actions.append(request.get("action", ""))
        name = request.get("action", "")
        version = request.get("version", 4)
        params = request.get("params", {})
        try:
            if self.api_key and request.get("key") != self.api_key and name != "requestPermission":
                raise Exception("valid api key must be provided")
            method = {
                "version": self.version_,
                "requestPermission": self.requestPermission,
                "sync": self.sync,
                "findNotes": self.findNotes,
                "notesInfo": self.notesInfo,
                "importPackage": self.importPackage,
            }.get(name)
            if method is None:
                raise Exception("unsupported action")
            result = method(**params)
            return result if version <= 4 else {"result": result, "error": None}
        except Exception as e:
            return {"result": None, "error": str(e)}

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                data = json.dumps(outer.handle(body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
