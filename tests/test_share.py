"""`prepdeck share`: the page, the download, the QR code and the guard, on loopback only.

Every server here binds 127.0.0.1 on a free port; no test sends a packet anywhere else.
The phone-size page screenshot lands in build/screenshots/share-page.png (`make screenshots`
copies it into docs/ for the README).
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from prepdeck.builds.pipeline import build_deck
from prepdeck.cli import cli
from prepdeck.deliver.share import MAX_CONNECTIONS, Package, lan_address, start, terminal_qr
from prepdeck.errors import PrepdeckError

from conftest import ROOT, Anki, chromium

SCREENSHOTS = ROOT / "build" / "screenshots"


def _package(deck_file: Path, out: Path) -> Package:
    result = build_deck(deck_file, out_dir=out)
    return Package(result.output.name, result.deck.name, result.notes, result.output.read_bytes())


@contextmanager
def serving(packages, keep=False, timeout=60.0, grace=0.2, **options):
    """A share on loopback, serving in a thread; yields (sharing, outcome dict)."""
    sharing = start(packages, "127.0.0.1", 0, **options)
    outcome: dict[str, str] = {}
    thread = threading.Thread(
        target=lambda: outcome.setdefault(
            "why", sharing.serve(keep=keep, timeout=timeout, grace=grace)
        ),
        daemon=True,
    )
    thread.start()
    try:
        yield sharing, outcome
    finally:
        sharing.stop()
        thread.join(timeout=10)


def _request(url: str, path: str, method: str = "GET", headers=None):
    host, port = url.split("/")[2].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def package(deck_file, tmp_path) -> Package:
    return _package(deck_file, tmp_path / "dist")


def test_the_page_fits_a_phone_and_its_download_is_the_package_and_imports(
    package, tmp_path, deck_file
):
    """In Chromium at 360 px, light and dark: no sideways scroll, text at least 14 px, the
    deck with its card count; the link downloads the built bytes, which Anki imports."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serving([package]) as (sharing, outcome), chromium() as browser:
        for scheme in ("dark", "light"):
            context = browser.new_context(
                viewport={"width": 360, "height": 740},
                color_scheme=scheme,
                accept_downloads=True,
                is_mobile=True,
                device_scale_factor=2,
            )
            page = context.new_page()
            page.goto(sharing.url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            sizes = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.innerText"
                " && e.children.length === 0).map(e => parseFloat(getComputedStyle(e).fontSize))"
            )
            assert sizes and min(sizes) >= 14
            link = page.get_by_role("link", name="Resource Sharing Librarian Interview")
            assert "10 cards" in link.inner_text()
            assert "AnkiDroid" in page.inner_text("body") and "Files" in page.inner_text("body")
            suffix = "" if scheme == "light" else "-dark"
            page.screenshot(path=str(SCREENSHOTS / f"share-page{suffix}.png"), full_page=True)
            if scheme == "light":
                with page.expect_download() as info:
                    link.click()
                download = info.value
                saved = tmp_path / "phone" / download.suggested_filename
                download.save_as(saved)
            context.close()
        assert outcome_after(outcome) == "downloaded"

    assert saved.name == "resource-sharing-interview.apkg"
    assert saved.read_bytes() == package.data
    anki = Anki(tmp_path)
    try:
        log = anki.import_apkg(saved)
        assert (log.new, len(anki.notes())) == (10, 10)
    finally:
        anki.close()


def outcome_after(outcome: dict[str, str], wait: float = 10.0) -> str | None:
    """How the serving loop ended (it stops by itself once everything was downloaded)."""
    deadline = time.monotonic() + wait
    while "why" not in outcome and time.monotonic() < deadline:
        time.sleep(0.05)
    return outcome.get("why")


def _qr_text(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line and set(line) <= set("█▀▄ ")]


def _decode_terminal_qr(lines: list[str]) -> list[str]:
    """Decode the QR code as a terminal shows it: drawn halves light, blank halves dark."""
    import zxingcpp

    scale = 4
    width = len(lines[0]) * scale
    pixels = bytearray()
    for line in lines:
        for half in ("top", "bottom"):
            row = bytearray()
            for ch in line:
                lit = ch == "█" or (ch == "▀" and half == "top") or (ch == "▄" and half == "bottom")
                row += bytes([255 if lit else 0]) * scale
            pixels += bytes(row) * scale
    height = len(pixels) // width
    image = memoryview(bytes(pixels)).cast("B", (height, width))
    found = zxingcpp.read_barcodes(image, try_invert=False)
    return [code.text for code in found]


def test_the_terminal_qr_code_decodes_to_the_printed_address_and_share_stops_after_download(
    deck_file,
):
    """The real command in a process: it builds, prints the QR code and the address, serves
    the package, and exits 0 once it was downloaded, saying so."""
    project = deck_file.parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "prepdeck", "share", "--host", "127.0.0.1", "--port", "0"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("http://"):
                break
        url = lines[-1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        assert len(_token(url)) >= 16
        assert _decode_terminal_qr(_qr_text("\n".join(lines))) == [url]
        status, _, body = _request(url, f"/{_token(url)}/resource-sharing-interview.apkg")
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    built = (project / "dist" / "resource-sharing-interview.apkg").read_bytes()
    assert (status, body == built) == (200, True)
    assert proc.returncode == 0 and err == ""
    assert lines[0].startswith("resource-sharing-interview: 10 notes, 8 topics -> ")
    assert out.splitlines()[-1] == (
        "sharing stopped (every package was downloaded); downloaded in full: "
        "resource-sharing-interview.apkg."
    )


def test_ctrl_c_stops_sharing_and_says_what_was_downloaded(deck_file):
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "prepdeck", "share", "--host", "127.0.0.1", "--keep"],
        cwd=deck_file.parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        url = next(line.strip() for line in proc.stdout if line.startswith("http://"))
        assert _request(url, f"/{_token(url)}/resource-sharing-interview.apkg")[0] == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()

    assert (proc.returncode, err) == (0, "")
    assert out.splitlines()[-1] == (
        "sharing stopped (Ctrl-C); downloaded in full: resource-sharing-interview.apkg."
    )


def test_terminal_qr_in_colour_is_the_same_code_in_white_on_black():
    plain = terminal_qr("http://192.168.1.20:8000/abc/")
    coloured = terminal_qr("http://192.168.1.20:8000/abc/", color=True)

    assert coloured.replace("\x1b[97;40m", "").replace("\x1b[0m", "") == plain
    assert _decode_terminal_qr(plain.splitlines()) == ["http://192.168.1.20:8000/abc/"]


GUARDED = [
    "/",
    "/{token}x/",
    "/{lower}/",
    "/{upper}/",
    "/{token}/../{token}/resource-sharing-interview.apkg",
    "/{token}/%2e%2e/{token}/resource-sharing-interview.apkg",
    "/{token}/%2E%2E%2Fdecks%2Fresource-sharing-interview.yaml",
    "/{token}/..%2f..%2fetc%2fpasswd",
    "/{token}/resource-sharing-interview.apkg/..",
    "/{token}/resource-sharing-interview.apkg?download=1",
    "/{token}/resource-sharing-interview.APKG",
    "/{token}//resource-sharing-interview.apkg",
    "/{token}/resource-sharing-interview.state.json",
    "/{token}/index.html",
    "//{token}/",
    "/%2F{token}/",
    "/resource-sharing-interview.apkg",
    "http://127.0.0.1/{token}/",
    "*",
]


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "OPTIONS", "DELETE"])
def test_anything_but_the_page_and_the_package_is_a_bare_404(package, method):
    with serving([package]) as (sharing, _):
        token = _token(sharing.url)
        swapped = token.swapcase()
        targets = [p.format(token=token, lower=token.lower(), upper=token.upper()) for p in GUARDED]
        targets += [f"/{swapped}/", f"/{swapped}/resource-sharing-interview.apkg"]
        served = {f"/{token}/", f"/{token}", f"/{token}/resource-sharing-interview.apkg"}
        if method not in ("GET", "HEAD"):
            targets += sorted(served)
        for target in targets:
            if method in ("GET", "HEAD") and target in served:
                continue  # a token without letters has no other case (about 1 in 2**100)
            status, headers, body = _request(sharing.url, target, method)
            assert status == 404, target
            assert body in (b"", b"Not found\n"), target
            assert "Content-Disposition" not in headers, target
        assert sharing.downloads.complete == {}


def test_head_and_range_fetch_nothing_but_the_package(package):
    with serving([package], keep=True) as (sharing, _):
        path = f"/{_token(sharing.url)}/resource-sharing-interview.apkg"
        head = _request(sharing.url, path, "HEAD")
        ranged = _request(sharing.url, path, headers={"Range": "bytes=0-3"})
        outside = _request(sharing.url, f"{path}/../../../etc/passwd", headers={"Range": "0-"})

    assert (head[0], head[2]) == (200, b"")
    assert head[1]["Content-Type"] == "application/apkg"
    assert head[1]["Content-Disposition"] == (
        'attachment; filename="resource-sharing-interview.apkg"'
    )
    assert head[1]["Content-Length"] == str(len(package.data))
    assert (ranged[0], ranged[2]) == (200, package.data)  # the whole package, never a slice
    assert outside[0] == 404
    assert sharing.downloads.complete == {"resource-sharing-interview.apkg": 1}


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def test_an_idle_connection_is_dropped(package):
    with serving([package], keep=True, io_timeout=0.5) as (sharing, _):
        idle = socket.create_connection(("127.0.0.1", _port(sharing.url)), timeout=10)
        idle.sendall(b"GET /")  # and never the rest of the line
        assert idle.recv(1) == b""  # closed by the server, without a word
        idle.close()


def test_connections_past_the_cap_are_closed_unread(package):
    with serving([package], keep=True) as (sharing, _):
        port = _port(sharing.url)
        held = [
            socket.create_connection(("127.0.0.1", port), timeout=10)
            for _ in range(MAX_CONNECTIONS + 2)
        ]
        try:
            for extra in held[MAX_CONNECTIONS:]:
                assert extra.recv(100) == b""  # over the cap: closed before a byte is read
            first = held[0]
            first.sendall(f"GET /{_token(sharing.url)}/ HTTP/1.0\r\n\r\n".encode())
            assert first.recv(12) == b"HTTP/1.0 200"  # the ones under the cap are served
        finally:
            for s in held:
                s.close()
        deadline = time.monotonic() + 10
        while sharing.server.active and time.monotonic() < deadline:
            time.sleep(0.05)  # the server sees the closes as its reads end
        assert _request(sharing.url, f"/{_token(sharing.url)}/")[0] == 200  # freed again


def test_after_the_download_it_waits_for_a_second_fetch_before_stopping(package):
    """A phone's browser may fetch a download twice (once to look, once to save): the
    server stops only after a quiet spell with every package sent."""
    with serving([package], grace=1.0) as (sharing, outcome):
        path = f"/{_token(sharing.url)}/resource-sharing-interview.apkg"
        assert _request(sharing.url, path)[2] == package.data
        assert _request(sharing.url, path)[2] == package.data  # within the quiet spell
        assert outcome_after(outcome) == "downloaded"
    assert sharing.summary() == "downloaded in full: resource-sharing-interview.apkg (2 times)"


def test_it_stops_after_the_timeout_and_keep_serves_until_then(package):
    sharing = start([package], "127.0.0.1", 0)
    assert sharing.serve(keep=False, timeout=0.3) == "timeout"
    assert sharing.summary() == "nothing was downloaded"

    with serving([package], keep=True, timeout=2.0) as (sharing, outcome):
        path = f"/{_token(sharing.url)}/resource-sharing-interview.apkg"
        assert _request(sharing.url, path)[0] == 200
        assert _request(sharing.url, path)[0] == 200
        assert outcome_after(outcome, wait=10) == "timeout"
    assert sharing.summary() == "downloaded in full: resource-sharing-interview.apkg (2 times)"


def test_several_decks_stop_only_when_each_was_downloaded(deck_file, tmp_path):
    from conftest import edit

    second = deck_file.with_name("second.yaml")
    second.write_text(deck_file.read_text(encoding="utf-8"), encoding="utf-8")
    edit(second, "key: resource-sharing-interview", "key: second")
    packages = [_package(deck_file, tmp_path / "dist"), _package(second, tmp_path / "dist")]
    with serving(packages) as (sharing, outcome):
        token = _token(sharing.url)
        assert _request(sharing.url, f"/{token}/second.apkg")[0] == 200
        assert outcome_after(outcome, wait=0.5) is None
        assert _request(sharing.url, f"/{token}/resource-sharing-interview.apkg")[0] == 200
        assert outcome_after(outcome) == "downloaded"


def test_the_command_stops_after_its_timeout_and_says_what_was_downloaded(deck_file, monkeypatch):
    monkeypatch.chdir(deck_file.parent.parent)

    result = CliRunner().invoke(
        cli, ["share", "--host", "127.0.0.1", "--port", "0", "--timeout", "0.005"], color=True
    )

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == (
        "sharing stopped (time is up); nothing was downloaded."
    )
    # On a terminal the code is white on black (right on a light background too), its
    # colour codes sent as such, not shown as text.
    assert "\x1b[97;40m" in result.stdout and "\\x1b" not in result.stdout


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "0", "0x0", "000.000.000.000", "::ffff:0.0.0.0", "0:0:0:0:0:0:0:0"]
)
def test_every_address_is_refused(deck_file, monkeypatch, host):
    """Every spelling of "every address" that the socket accepts (a tester bound "0" and was
    reached through the machine's network address)."""
    monkeypatch.chdir(deck_file.parent.parent)

    result = CliRunner().invoke(cli, ["share", "--host", host])

    assert result.exit_code == 1
    assert result.stderr == (
        f"prepdeck: --host {host} serves on every network, public ones included; give this "
        "computer's address on the phone's network (or leave --host out to use it)\n"
    )
    assert not (deck_file.parent.parent / "dist").exists()  # refused before building


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        ("8.8.8.8", "8.8.8.8, is not a private (local) address"),
        ("169.254.3.4", "169.254.3.4, is not a private (local) address"),
        ("0.0.0.0", "0.0.0.0, is not a private (local) address"),
        (None, "no network found"),
    ],
)
def test_without_a_private_address_it_refuses_unless_given_host(probe, message):
    with pytest.raises(PrepdeckError) as caught:
        lan_address(lambda: probe)

    assert message in str(caught.value)
    assert "--host" in str(caught.value)


def test_the_default_address_is_the_private_one_of_the_default_route():
    assert lan_address(lambda: "192.168.1.20") == "192.168.1.20"
    assert lan_address(lambda: "10.0.0.7") == "10.0.0.7"


def test_the_command_refuses_a_public_address_before_serving(deck_file, monkeypatch):
    import prepdeck.deliver.share

    monkeypatch.chdir(deck_file.parent.parent)
    monkeypatch.setattr(prepdeck.deliver.share, "_default_route_address", lambda: "8.8.8.8")

    result = CliRunner().invoke(cli, ["share"])

    assert result.exit_code == 1
    assert result.stderr.startswith("prepdeck: this computer's address on the network, 8.8.8.8,")
    assert not (deck_file.parent.parent / "dist").exists()


def test_help_loads_neither_the_server_nor_the_qr_library():
    """`prepdeck --help` stays instant: the server, the QR code and the AnkiConnect client
    are imported only when share or push runs."""
    code = (
        "import sys; from click.testing import CliRunner; from prepdeck.cli import cli; "
        "r = CliRunner().invoke(cli, ['--help']); assert 'share' in r.output, r.output; "
        "print(sorted(m for m in sys.modules if m in ('segno', 'http.server', "
        "'prepdeck.deliver.share', 'prepdeck.deliver.push', 'urllib.request')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout == "[]\n"


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


def test_no_request_line_reaches_anything_but_the_exact_addresses(package):
    """Any method and target, as raw bytes: the page and the package at their exact
    addresses, or a bare 400/404 naming nothing. PREPDECK_HYPOTHESIS=thorough runs it longer."""
    from hypothesis import given
    from hypothesis import strategies as st

    with serving([package], keep=True) as (sharing, _):
        token = _token(sharing.url)
        port = _port(sharing.url)
        exact = {f"/{token}/", f"/{token}", f"/{token}/resource-sharing-interview.apkg"}
        pieces = st.sampled_from(
            [
                token,
                token.swapcase(),
                token[:-1],
                "/",
                "//",
                ".",
                "..",
                "%2e",
                "%2E",
                "%2f",
                "%00",
                "\\",
                "?",
                "#",
                "resource-sharing-interview.apkg",
                "decks",
                "dist",
                "resource-sharing-interview.yaml",
                ";",
                "~",
                "%",
                " ",
                "\t",
                "é",
            ]
        )
        targets = st.lists(pieces, max_size=8).map("".join) | st.text(max_size=40)
        methods = st.sampled_from(["GET", "HEAD", "POST", "get", "TRACE", "CONNECT", "X"])

        @given(method=methods, target=targets)
        def check(method, target):
            line = f"{method} {target} HTTP/1.0\r\nRange: bytes=0-1\r\n\r\n"
            answer = _raw(port, line.encode("utf-8", "surrogateescape"))
            if not answer.startswith(b"HTTP/"):  # read as HTTP/0.9: a body, no headers
                assert answer in (b"", b"Not found\n"), (method, target, answer)
                return
            head, _, body = answer.partition(b"\r\n\r\n")
            status = head.split(b" ", 2)[1] if head else b""
            if method in ("GET", "HEAD") and target in exact:
                assert status == b"200"
            else:
                assert status in (b"400", b"404", b""), (method, target, head)
                assert body in (b"", b"Not found\n")

        check()
