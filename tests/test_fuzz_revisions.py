"""Fuzz `prepdeck diff` with hostile git trees: a message or success, never anything else.

Hypothesis builds trees object by object (so that names git's own tools refuse can be made
too): entries named `..`, `.`, `.git`, with control characters, backslashes or bytes that are
not UTF-8, deep folders, symbolic links, submodules, blobs just over the limits (made small
for the run), deck files that are not YAML and build states that are damaged. Each is
compared with a sound revision and with the working tree. The run must end in a prepdeck
message (exit 1) or a result (exit 0): never a traceback, never a file written outside the
diff's own temporary folder (a sentinel tree around it is compared byte for byte), never a
hang (a watchdog stops a run after 60 seconds).

The default run is short; `PREPDECK_HYPOTHESIS=thorough` runs it longer.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from prepdeck.builds.pipeline import build_deck
from prepdeck.cli import cli
from prepdeck.deckfile import media
from prepdeck.exchange import diff as diff_module
from prepdeck.exchange import revisions

from conftest import SHIPPED, git, snapshot

DECK_TEXT = SHIPPED.read_bytes()
STATE = SHIPPED.name.replace(".yaml", ".state.json")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
CAP = 64 * 1024  # the limits during the run: blobs just over them stay small


def put(repo: Path, kind: str, data: bytes) -> str:
    """Write one loose git object, whatever it holds; its id."""
    raw = f"{kind} {len(data)}\0".encode() + data
    oid = hashlib.sha1(raw).hexdigest()
    path = repo / ".git" / "objects" / oid[:2] / oid[2:]
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(zlib.compress(raw, 1))
    return oid


def tree(repo: Path, entries: list[tuple[bytes, bytes, str]]) -> str:
    body = b"".join(mode + b" " + name + b"\0" + bytes.fromhex(oid) for mode, name, oid in entries)
    return put(repo, "tree", body)


def commit(repo: Path, top: str, parent: str) -> str:
    text = (
        f"tree {top}\nparent {parent}\nauthor t <t@t.invalid> 1767225600 +0000\n"
        f"committer t <t@t.invalid> 1767225600 +0000\n\nhostile\n"
    )
    return put(repo, "commit", text.encode())


NAMES = st.sampled_from(
    [
        b"resource-sharing-interview.yaml",
        b"resource-sharing-interview.state.json",
        b"other.yaml",
        b"other.state.json",
        b"p.png",
        b"images",
        b"..",
        b".",
        b".git",
        b".GIT",
        b"bell\x07.yaml",
        b"new\nline.yaml",
        b"\xff\xfe.yaml",
        b"back\\slash.yaml",
        b"x.mine.yaml",
        b"deep",
        b"",
    ]
)


def _deck_variant(key: str, cut: int | None, picture: str) -> bytes:
    text = DECK_TEXT.replace(b"key: resource-sharing-interview", f"key: {key}".encode())
    if picture:
        text = text.replace(
            b"      - Show care for detail",
            f'      - "![p]({picture})"\n      - Show care for detail'.encode(),
        )
        text = text.replace(
            b"      - Listen first",
            f'      - "![p]({picture})"\n      - Listen first'.encode(),
        )
    return text[:cut] if cut is not None else text


CONTENTS = st.one_of(
    st.builds(
        _deck_variant,
        st.sampled_from(["resource-sharing-interview", "other-deck", "x"]),
        st.one_of(st.none(), st.integers(0, len(DECK_TEXT))),
        st.sampled_from(["", "p.png", "images/p.png", "../p.png", "deep/../p.png", "link.png"]),
    ),
    st.binary(max_size=200),
    st.just(PNG),
    st.integers(CAP - 2, CAP + 2).map(lambda n: b"\0" * n),  # at the limit and just over
    st.sampled_from([b"{}", b'{"prepdeck-state": 2}', b"[1, 2]", b"\xff\xfe{", b"{" * 5000]),
)

LEAF_MODES = st.sampled_from([b"100644", b"100755", b"120000", b"160000", b"100600"])


def _escape(steps: int, leaf):
    """`..` inside `..` ... `steps` deep, holding one entry: a path that climbs out."""
    node = leaf
    for _ in range(steps):
        node = (b"..", b"40000", [node])
    return node


def _node(depth: int):
    leaf = st.tuples(NAMES, LEAF_MODES, CONTENTS)
    if depth == 0:
        return leaf
    folder = st.tuples(
        NAMES,
        st.sampled_from([b"40000", b"40000", b"100644 over a tree"]),
        st.lists(_node(depth - 1), max_size=3),
    )
    landing = st.tuples(  # a name beside which the sandbox keeps a sentinel
        st.sampled_from([b"p.png", b"deep", b"images", b"repo"]),
        st.sampled_from([b"100644", b"40000"]),
        CONTENTS,
    ).map(lambda t: t if t[1] == b"100644" else (t[0], t[1], [(b"p.png", b"100644", t[2])]))
    climbing = st.builds(_escape, st.integers(1, 4), st.one_of(leaf, landing))
    return st.one_of(leaf, folder, climbing)


TREES = st.lists(_node(3), min_size=1, max_size=6)


def build(repo: Path, nodes, entries=None) -> str:
    entries = list(entries or [])
    for name, mode, content in nodes:
        if mode == b"40000":
            oid = build(repo, content)
        elif mode == b"100644 over a tree":  # a folder behind a file's mode
            mode, oid = b"100644", build(repo, content)
        elif mode == b"160000":
            oid = "0" * 39 + "1"  # a submodule's commit is never in the repository
        else:
            oid = put(repo, "blob", content)
        entries.append((mode, name, oid))
    return tree(repo, entries)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """A sentinel tree around a repository with one sound commit, and a temporary folder
    inside it, so that an escape by `..` from diff's temporary folders lands in view."""
    top = tmp_path_factory.mktemp("fuzz")
    for place in ("p.png", "x/p.png", "x/y/p.png", "x/y/deep/p.png", "x/y/images/p.png"):
        (top / place).parent.mkdir(parents=True, exist_ok=True)
        (top / place).write_bytes(b"a learner's own file")
    # Four '..' from a temporary folder in x/y/temp stay inside `top`, where they are seen.
    repo = top / "x" / "y" / "repo"
    (repo / "decks").mkdir(parents=True)
    shutil.copyfile(SHIPPED, repo / "decks" / SHIPPED.name)
    build_deck(repo / "decks" / SHIPPED.name, out_dir=repo / "dist")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "decks")
    git(repo, "commit", "-q", "-m", "v0")
    return top, repo


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("prepdeck diff ran for more than 60 seconds")


@settings(
    max_examples=max(5, settings().max_examples // 10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(nodes=TREES)
@example(nodes=[_escape(3, (b"p.png", b"100644", PNG))])  # issue 20, item 1
def test_diff_of_a_hostile_tree_is_a_message_or_a_result(sandbox, nodes):
    top, repo = sandbox
    head = git(repo, "rev-parse", "HEAD").strip()
    sound = [  # the sound deck and its state, so that there is something to build
        (b"100644", SHIPPED.name.encode(), git(repo, "rev-parse", f"HEAD:decks/{SHIPPED.name}")),
        (b"100644", STATE.encode(), git(repo, "rev-parse", f"HEAD:decks/{STATE}")),
    ]
    decks = build(repo, nodes, [(mode, name, oid.strip()) for mode, name, oid in sound])
    hostile = commit(repo, tree(repo, [(b"40000", b"decks", decks)]), head)
    temp = repo.parent / "temp"
    temp.mkdir(exist_ok=True)
    before = snapshot(top, skip=repo / ".git")
    saved = (
        tempfile.tempdir,
        diff_module.MAX_FILE_BYTES,
        diff_module.MAX_STATE_BYTES,
        media.IMAGE_LIMIT,
        revisions.MAX_ENTRIES,
    )
    tempfile.tempdir = str(temp)
    diff_module.MAX_FILE_BYTES = diff_module.MAX_STATE_BYTES = media.IMAGE_LIMIT = CAP
    revisions.MAX_ENTRIES = 50
    cwd = os.getcwd()
    os.chdir(repo)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        results = [
            CliRunner().invoke(cli, ["diff", "HEAD", hostile]),
            CliRunner().invoke(cli, ["diff", hostile]),
            CliRunner().invoke(cli, ["diff", "--json", hostile, "--", "decks/other.yaml"]),
        ]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(cwd)
        (
            tempfile.tempdir,
            diff_module.MAX_FILE_BYTES,
            diff_module.MAX_STATE_BYTES,
            media.IMAGE_LIMIT,
            revisions.MAX_ENTRIES,
        ) = saved

    for result in results:
        assert result.exit_code in (0, 1), result.output
        if result.exception is not None:
            assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
    assert snapshot(top, skip=repo / ".git") == before
    assert list(temp.iterdir()) == []
