"""`prepdeck share` and `prepdeck push`: build, then get the packages into Anki on the phone
(over the local network) or on the desktop (through AnkiConnect)."""

from __future__ import annotations

import click

from prepdeck.commands.build import build_and_report
from prepdeck.commands.common import echo, selection_from, selection_options


def _build_options(f):
    f = selection_options(f)
    f = click.option(
        "--interview",
        metavar="YYYY-MM-DD",
        help="Pace the deck to this interview date (as for build).",
    )(f)
    f = click.option(
        "--out-dir",
        metavar="DIR",
        help="Folder for <key>.apkg files.  [default: the project's dist/]",
    )(f)
    return click.argument("deck_files", nargs=-1)(f)


@click.command()
@_build_options
@click.option(
    "--host",
    metavar="ADDR",
    help="Serve on this address.  [default: this computer's private address on the network]",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    metavar="N",
    help="Serve on this port.  [default: any free port]",
)
@click.option("--keep", is_flag=True, help="Keep serving after every package was downloaded.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10,
    metavar="MINUTES",
    help="Stop after this many minutes.  [default: 10]",
)
def share(deck_files, out_dir, interview, host, port, keep, timeout, **select) -> None:
    """Build, then send the packages to your phone over the local network.

    Prints an address and its QR code: scan it with the phone's camera (on the same Wi-Fi)
    and tap a deck. AnkiDroid imports it when opened; on an iPhone, open it from Files with
    Anki. Only the packages just built are served, behind an address nobody can guess; the
    server stops once each was downloaded, after --timeout minutes, or on Ctrl-C.

    If the phone cannot open the page, open the address on this computer first: if it
    loads there, a firewall or the network keeps the phone out (guest Wi-Fi often isolates
    devices). Allow the port in the firewall, or join both to the same home network.

    \b
    Examples:
      prepdeck share
      prepdeck share decks/resource-sharing-interview.yaml --topic "Customer service"
      prepdeck share --host 127.0.0.1 --port 8000     # try the page on this computer
    """
    from prepdeck.deliver.share import check_host, lan_address, packages_of, start, terminal_qr

    address = check_host(host) if host else lan_address()  # before building: fail fast
    results = build_and_report(deck_files, None, out_dir, interview=interview, select=select)
    packages = packages_of(results)
    sharing = start(packages, address, port, notice=lambda line: echo(line))
    echo("")
    # Our own text, not the deck's: click.echo keeps the colours on a terminal (so the code
    # reads right on a light background too) and drops them anywhere else.
    click.echo(terminal_qr(sharing.url, color=True))
    echo(sharing.url)
    echo(
        "Scan the code with the phone's camera (same Wi-Fi), or type the address; "
        f"stops after the download{'s' if len(packages) > 1 else ''} "
        f"or in {timeout:g} minute{'' if timeout == 1 else 's'}. Ctrl-C stops now."
    )
    try:
        why = sharing.serve(keep=keep, timeout=timeout * 60)
    except KeyboardInterrupt:
        why = "stopped"
    reason = {"downloaded": "every package was downloaded", "timeout": "time is up"}
    echo(f"sharing stopped ({reason.get(why, 'Ctrl-C')}); {sharing.summary()}.")


@click.command()
@_build_options
@click.option(
    "--url",
    metavar="URL",
    default="http://127.0.0.1:8765",
    show_default=True,
    help="AnkiConnect's address.",
)
@click.option(
    "--sync/--no-sync",
    default=False,
    help="Ask Anki to sync before the import (so the phone's reviews arrive first) and "
    "after it (so the phone gets the cards).  [default: no-sync]",
)
def push(deck_files, out_dir, interview, url, sync, **select) -> None:
    """Build, then import the packages into the Anki running on this computer.

    Needs the AnkiConnect add-on in Anki (Tools > Add-ons > Get Add-ons, code 2055492159).
    Reports what the import changed in Anki: new, updated and unchanged notes. With --sync,
    Anki syncs first, so reviews made on the phone arrive before the import, and again
    after it, so the phone gets the new cards.

    \b
    Examples:
      prepdeck push --sync
      prepdeck push decks/resource-sharing-interview.yaml --tag behavioral
    """
    from prepdeck.deliver.push import AnkiConnect, to_push
    from prepdeck.deliver.push import push as push_packages
    from prepdeck.errors import PrepdeckError

    anki = AnkiConnect(url)
    anki.check()  # before building: a closed Anki is found in a second, not after a build
    results = build_and_report(deck_files, None, out_dir, interview=interview, select=select)
    if not results:
        raise PrepdeckError("nothing to push: no package was built")
    push_packages(anki, to_push(results, selection_from(select)), sync, echo)
