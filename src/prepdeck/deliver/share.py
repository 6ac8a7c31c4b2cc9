"""Serve freshly built packages to a phone on the local network, behind an unguessable address.

Only the packages handed in are served, from memory: no path ever reaches the file system.
Everything but the page and the packages at their exact addresses is a bare 404. The server
stops by itself once every package has been downloaded in full (unless kept), or at a deadline.
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from string import Template
from urllib.parse import quote

from prepdeck.errors import PrepdeckError

# AnkiDroid opens this type (its manifest lists it, and it names a download whose file name
# got lost "unknown_filename.apkg" by it); iOS Safari saves any attachment to Files.
PACKAGE_TYPE = "application/apkg"
MAX_CONNECTIONS = 4  # a phone or two, each with a connection or two
IO_TIMEOUT = 15.0  # seconds a connection may stay silent
CONNECTION_LIMIT = 120.0  # seconds any one connection may last, however it trickles
# After the last download, seconds without a connection before stopping: a phone's browser
# may fetch a download a second time (one request to look, one to save).
GRACE = 5.0
TOKEN_BYTES = 18  # 24 URL-safe characters, 144 random bits
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class Package:
    """One package to serve: its file name on the phone, what the page says, and its bytes."""

    filename: str
    title: str
    cards: int
    data: bytes


def packages_of(results) -> list[Package]:
    """The packages a build wrote (its BuildResults), as the page offers them."""
    return [Package(r.output.name, r.deck.name, r.notes, r.output.read_bytes()) for r in results]


@dataclass
class Downloads:
    """Which packages were sent in full, and how often (shared by the server's threads)."""

    names: Sequence[str]
    complete: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    everything: threading.Event = field(default_factory=threading.Event)

    def done(self, name: str) -> None:
        with self.lock:
            self.complete[name] = self.complete.get(name, 0) + 1
            if all(n in self.complete for n in self.names):
                self.everything.set()


def new_token() -> str:
    """An unguessable path segment (URL-safe base64 of 144 random bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def lan_address(probe: Callable[[], str | None] | None = None) -> str:
    """The private address of the interface with the default route; an error when it has none.

    Connecting a UDP socket sends nothing: it only asks the kernel which interface would
    carry traffic to the outside world."""
    address = (probe or _default_route_address)()
    if address is None:
        raise PrepdeckError(
            "no network found (this computer has no default route); join the phone's Wi-Fi, "
            "or give --host 127.0.0.1 to try the page on this computer"
        )
    ip = ipaddress.ip_address(address)
    if not ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified:
        raise PrepdeckError(
            f"this computer's address on the network, {address}, is not a private (local) "
            "address, so the package would be open to anyone who can reach it; give --host "
            "ADDR to choose the address to serve on"
        )
    return address


def check_host(host: str) -> str:
    """An address given with --host; "every address" is refused, as a phone cannot use it
    and it would serve on public networks too."""
    if any(_unspecified(address) for address in _resolved(host)):
        raise PrepdeckError(
            f"--host {host} serves on every network, public ones included; give this "
            "computer's address on the phone's network (or leave --host out to use it)"
        )
    return host


def _resolved(host: str) -> list[str]:
    """The addresses the server would bind `host` to, resolved as the socket resolves it (so
    "0", "0x0" and "000.000.000.000" are 0.0.0.0); none when it does not resolve (binding
    then says so)."""
    try:
        found = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError):
        return []
    return [info[4][0] for info in found]


def _unspecified(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_unspecified or (mapped is not None and mapped.is_unspecified)


def _default_route_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routed like the Internet, never used
            return probe.getsockname()[0]
        except OSError:
            return None


def page(packages: Sequence[Package], token: str) -> str:
    """The phone page: each deck with its card count and a download link."""
    items = "\n".join(
        '<li><a class="get" href="/{token}/{href}" download="{name}">'
        "<strong>{title}</strong><span>{cards} · download</span></a></li>".format(
            token=token,
            href=html.escape(quote(p.filename)),
            name=html.escape(p.filename),
            title=html.escape(p.title),
            cards=f"{p.cards:,} card{'' if p.cards == 1 else 's'}",
        )
        for p in packages
    )
    text = resources.files("prepdeck").joinpath("templates", "share.html").read_text("utf-8")
    return Template(text).substitute(decks=items)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = MAX_CONNECTIONS

    def __init__(self, address, routes, downloads, io_timeout=IO_TIMEOUT):
        self.io_timeout = io_timeout
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.notice: Callable[[str], None] | None = None
        self.routes: dict[str, tuple[str, bytes, str | None]] = routes
        self.downloads: Downloads = downloads
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.active = 0  # connections being served (under `lock`)
        self.last_seen = time.monotonic()  # when one last began or ended
        self.lock = threading.Lock()
        super().__init__(address, _Handler)

    def idle_for(self) -> float:
        """Seconds since the last connection ended, or 0 while one is open."""
        with self.lock:
            return 0.0 if self.active else time.monotonic() - self.last_seen

    def _busy(self, change: int) -> None:
        with self.lock:
            self.active += change
            self.last_seen = time.monotonic()

    def process_request(self, request, client_address):
        # Past the limit a connection is closed at once, before a byte is read.
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        # A trickling client is cut off after CONNECTION_LIMIT, whatever its pace.
        timer = threading.Timer(CONNECTION_LIMIT, _cut, (request,))
        timer.daemon = True
        timer.start()
        self._busy(+1)
        try:
            t = threading.Thread(
                target=self._serve_one, args=(request, client_address, timer), daemon=True
            )
            t.start()
        except BaseException:
            timer.cancel()
            self._busy(-1)
            self.slots.release()
            self.shutdown_request(request)
            raise

    def handle_error(self, request, client_address):
        pass  # a phone that leaves mid-download is not an error worth a traceback

    def _serve_one(self, request, client_address, timer: threading.Timer) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            timer.cancel()
            self._busy(-1)
            self.slots.release()


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def setup(self) -> None:
        self.timeout = self.server.io_timeout  # each read and write, not the whole request
        super().setup()

    def version_string(self) -> str:
        return "prepdeck"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        # The raw target, exactly as sent: no decoding, no normalising (not even the base
        # class's folding of a leading "//"), no query string.
        words = self.requestline.split()
        route = self.server.routes.get(words[1]) if len(words) == 3 else None
        if route is None:
            self._not_found(body)
            return
        kind, data, filename = route
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in _HEADERS.items():
            self.send_header(name, value)
        if filename is None:
            self.send_header("Content-Security-Policy", _PAGE_POLICY)
        else:
            self.send_header("Content-Disposition", _attachment(filename))
        self.end_headers()
        if not body:
            return
        self.wfile.write(data)
        self.wfile.flush()
        if filename is not None:
            self.server.downloads.done(filename)
            if self.server.notice is not None:
                self.server.notice(f"sent {filename} to {self.client_address[0]}")

    def _not_found(self, body: bool) -> None:
        text = b"Not found\n"
        self.send_response(404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        for name, value in _HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(text)

    def send_error(self, code, message=None, explain=None):
        # Bad requests, unknown methods, over-long lines: a bare status, nothing echoed back.
        self.close_connection = True
        try:
            self.send_response(404 if code in (501, 405) else code)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
        except OSError:
            pass

    def log_message(self, format, *args):
        pass  # no access log: the token is in every line of one


def _attachment(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    fallback = fallback.replace('"', "_").replace("\\", "_")
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@dataclass
class Sharing:
    """A running share: its address, and how it ended (set by `serve`)."""

    url: str
    downloads: Downloads
    server: _Server
    stopping: threading.Event = field(default_factory=threading.Event)

    def serve(self, keep: bool, timeout: float, grace: float = GRACE, poll: float = 0.2) -> str:
        """Serve until every package was downloaded (unless `keep`) and `grace` seconds passed
        without a connection, until `timeout` seconds passed, or until stop() is called;
        returns which ("downloaded", "timeout", "stopped"). Ctrl-C propagates, after the
        server is closed."""
        thread = threading.Thread(target=self.server.serve_forever, args=(poll,), daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        try:
            while not self.stopping.wait(min(poll, max(0.0, deadline - time.monotonic()))):
                done = self.downloads.everything.is_set()
                if done and not keep and self.server.idle_for() >= grace:
                    return "downloaded"
                if time.monotonic() >= deadline:
                    return "timeout"
            return "stopped"
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=5)

    def stop(self) -> None:
        """End serve() from another thread."""
        self.stopping.set()

    def summary(self) -> str:
        """What was downloaded, for the closing line."""
        sent = self.downloads.complete
        if not sent:
            return "nothing was downloaded"
        parts = [f"{name}" + (f" ({n} times)" if n > 1 else "") for name, n in sent.items()]
        missing = [n for n in self.downloads.names if n not in sent]
        tail = f"; not downloaded: {', '.join(missing)}" if missing else ""
        return f"downloaded in full: {', '.join(parts)}{tail}"


def start(
    packages: Sequence[Package],
    host: str,
    port: int = 0,
    notice: Callable[[str], None] | None = None,
    io_timeout: float = IO_TIMEOUT,
) -> Sharing:
    """Bind the server (not yet serving) and return its address."""
    if not packages:
        raise PrepdeckError("nothing to share: no package was built")
    token = new_token()
    routes: dict[str, tuple[str, bytes, str | None]] = {}
    text = page(packages, token).encode("utf-8")
    for path in (f"/{token}/", f"/{token}"):
        routes[path] = ("text/html; charset=utf-8", text, None)
    for p in packages:
        routes[f"/{token}/{quote(p.filename)}"] = (PACKAGE_TYPE, p.data, p.filename)
    downloads = Downloads([p.filename for p in packages])
    try:
        server = _Server((host, port), routes, downloads, io_timeout)
    except OSError as err:
        raise PrepdeckError(
            f"cannot serve on {host}:{port}: {err.strerror or err}; try another --host or --port"
        ) from None
    server.notice = notice
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return Sharing(f"http://{shown}:{bound_port}/{token}/", downloads, server)


def terminal_qr(text: str, color: bool = False) -> str:
    """A QR code of `text` in Unicode half blocks, two module rows per line, with its quiet
    zone. Light modules are drawn, dark ones left blank, as on a dark terminal; `color`
    forces white on black with ANSI codes so a light terminal shows it the right way round."""
    import segno

    rows = [list(row) for row in segno.make(text, error="m", micro=False).matrix_iter(border=4)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))  # below the quiet zone: light
    blocks = {(1, 1): " ", (0, 1): "\u2580", (1, 0): "\u2584", (0, 0): "\u2588"}
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        line = "".join(blocks[pair] for pair in zip(top, bottom, strict=True))
        lines.append(f"\x1b[97;40m{line}\x1b[0m" if color else line)
    return "\n".join(lines)
