"""Pictures and recordings on the cards: checked by their bytes, packaged under content
names, and imported by the real Anki backend byte for byte (issue #14)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import wave
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prepdeck.builds.pipeline import build_deck
from prepdeck.builds.state import read_state
from prepdeck.cards.render import render_note
from prepdeck.deckfile.load import load_deck, parse_deck_text
from prepdeck.deckfile.media import audio_format, content_name, image_format
from prepdeck.deckfile.model import Question
from prepdeck.errors import DeckFileError, PrepdeckError

from conftest import shared_part

EXAMPLE = Path(__file__).parent / "fixtures" / "media"
REMOTE = (
    "a picture from the web would not load offline on a phone, and could track who studies; "
    "save the file in the deck's folder and give its path, such as images/diagram.png"
)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, drawn byte by byte."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def wav(path: Path, frames: int = 800) -> bytes:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(1)
        f.setframerate(8000)
        f.writeframes(bytes([128]) * frames)
    return path.read_bytes()


@pytest.fixture
def example(tmp_path) -> Path:
    """A copy of the documented example deck (a PNG, an SVG and a WAV) in tmp_path/decks."""
    shutil.copytree(EXAMPLE, tmp_path / "decks")
    return tmp_path / "decks" / "media-example.yaml"


def package(apkg: Path) -> tuple[dict[str, str], dict[str, bytes]]:
    """The package's media map and its files by name."""
    with zipfile.ZipFile(apkg) as zf:
        names = json.loads(zf.read("media"))
        return names, {name: zf.read(number) for number, name in names.items()}


# -- recognising files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "ext"),
    [
        (png(1, 1, (0, 0, 0)), "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpg"),
        (b"GIF89a\x01\x00", "gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
        (b'<?xml version="1.0"?>\n<!-- a -->\n<svg xmlns="http://www.w3.org/2000/svg"/>', "svg"),
        (b"<svg viewBox='0 0 1 1'></svg>", "svg"),
        (b"<html><svg></svg></html>", None),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"just text called .png", None),
    ],
)
def test_pictures_are_recognised_by_their_bytes(head, ext):
    assert image_format(head) == ext


@pytest.mark.parametrize(
    ("head", "ext"),
    [
        (b"ID3\x04\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x64", "mp3"),
        (b"\xff\xf1\x50\x80", "aac"),
        (b"\x00\x00\x00\x20ftypM4A \x00", "m4a"),
        (b"OggS\x00\x02", "ogg"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
        (png(1, 1, (0, 0, 0)), None),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", None),
    ],
)
def test_recordings_are_recognised_by_their_bytes(head, ext):
    assert audio_format(head) == ext


def test_names_come_from_the_content():
    a, b = png(2, 2, (1, 2, 3)), png(2, 2, (3, 2, 1))

    assert content_name(a, "png") == content_name(a, "png") != content_name(b, "png")
    assert content_name(a, "png").startswith("prepdeck-")
    assert content_name(a, "png", description=True) == "_" + content_name(a, "png")


# -- loading and rendering --------------------------------------------------------------------


def test_the_example_deck_loads_its_pictures_and_recording(example):
    deck = load_deck(example)

    q = deck.questions[0]
    assert [m.path for m in q.images] == ["images/workflow.png", "images/flow.svg"]
    assert [m.path for m in q.audio] == ["answers/ill-systems.wav"]
    assert q.audio[0].data == (EXAMPLE / "answers" / "ill-systems.wav").read_bytes()
    assert [m.name[:10] for m in deck.images] == ["_prepdeck-"]
    assert deck.questions[1].images == deck.questions[1].audio == ()


def test_a_picture_shows_with_its_alt_text_and_fits_the_screen(example):
    note = render_note(load_deck(example).questions[0])
    tips, example_html, extra = note.fields[1], note.fields[2], note.fields[6]

    name = content_name((EXAMPLE / "images" / "workflow.png").read_bytes(), "png")
    assert f'<img src="{name}" alt="The ILL workflow" style="max-width:100%;height:auto">' in tips
    assert 'alt="The loan flow"' in example_html and ".svg" in example_html
    wav_name = content_name((EXAMPLE / "answers" / "ill-systems.wav").read_bytes(), "wav")
    assert extra == f"[sound:{wav_name}]"


def test_deck_text_never_makes_a_sound_tag_or_a_remote_picture():
    """Text parsed without its files (no checked media) shows alt text and plays nothing."""
    q = Question(
        "q",
        "t",
        "[sound:prepdeck-0123456789abcdef.wav]",
        ("![pixel](https://tracker.example/p.gif)", "![x](images/a.png)"),
        notes="[sound:x.mp3] ![y](<a b.png>)",
    )

    note = render_note(q)

    html = "".join(note.fields)
    assert "<img" not in html and "https://tracker.example" not in html
    assert "[sound:" not in html and "&#91;sound:" in html
    assert note.fields[6] == ""
    assert '<span class="pd-alt">pixel</span>' in note.fields[1]


def test_text_without_a_picture_never_parses_for_one(monkeypatch):
    import prepdeck.deckfile.media as media

    def boom():
        raise AssertionError("parsed a text without '![' for pictures")

    monkeypatch.setattr(media, "markdown", boom)

    assert media.image_refs("a tip with [a link](https://example.org) and ! marks") == ()


def test_a_path_with_spaces_is_found(tmp_path):
    (tmp_path / "my images").mkdir()
    (tmp_path / "my images" / "a b.png").write_bytes(png(1, 1, (9, 9, 9)))
    (tmp_path / 'R&D "q".png').write_bytes(png(1, 1, (8, 8, 8)))
    deck_file = tmp_path / "d.yaml"
    deck_file.write_text(
        "deck: {key: d, name: D}\nquestions:\n  - {id: q, topic: t, question: q, "
        "tips: ['![x](<my images/a b.png>) ![y](<R&D \"q\".png>)']}\n",
        encoding="utf-8",
    )

    (q,) = load_deck(deck_file).questions

    assert [m.path for m in q.images] == ["my images/a b.png", 'R&D "q".png']
    tips = render_note(q).fields[1]
    assert q.images[0].name in tips and q.images[1].name in tips and "pd-alt" not in tips


def _deck_with(tmp_path: Path, tip: str, audio: str = "") -> Path:
    deck_file = tmp_path / "decks" / "d.yaml"
    deck_file.parent.mkdir(exist_ok=True)
    extra = f"\n    audio: {audio}" if audio else ""
    deck_file.write_text(
        f"deck:\n  key: d\n  name: D\nquestions:\n  - id: q\n    topic: t\n    question: q\n"
        f"    tips:\n      - '{tip}'{extra}\n",
        encoding="utf-8",
    )
    return deck_file


def _problems(deck_file: Path) -> list[str]:
    with pytest.raises(DeckFileError) as err:
        load_deck(deck_file)
    return [f"{p.path}:{p.line}:{p.column}: {p.message}" for p in err.value.problems]


def test_a_symbolic_link_out_of_the_deck_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(1, 1, (0, 0, 0)))
    deck_file = _deck_with(tmp_path, "![x](images/in.png)")
    (deck_file.parent / "images").mkdir()
    os.symlink(secret, deck_file.parent / "images" / "in.png")
    os.symlink(tmp_path, deck_file.parent / "up")
    (deck_file.parent / "d2.yaml").write_text(
        deck_file.read_text().replace("images/in.png", "up/secret.png").replace("key: d", "key: e")
    )

    assert _problems(deck_file) == [
        f"{deck_file}:9:9: questions[0].tips[0]: 'images/in.png' is a symbolic link that leads "
        "out of the deck's folder; copy the file into the folder instead"
    ]
    assert "symbolic link" in _problems(deck_file.parent / "d2.yaml")[0]


def test_a_hard_link_to_a_file_outside_the_deck_folder_is_refused(tmp_path):
    """Issue 20.12: a hard link has no real path to check, so it could carry any file of the
    same disk into a package (an archive or a copy tool can make one)."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(1, 1, (9, 9, 9)))
    deck_file = _deck_with(tmp_path, "![x](in.png)", audio="own.wav")
    os.link(secret, deck_file.parent / "in.png")
    (tmp_path / "secret.wav").write_bytes(b"RIFF")
    os.link(tmp_path / "secret.wav", deck_file.parent / "own.wav")

    assert _problems(deck_file) == [
        f"{deck_file}:9:9: questions[0].tips[0]: 'in.png' is a hard link (the same file has 2 "
        "names, perhaps outside the deck's folder); copy the file into the folder instead",
        f"{deck_file}:10:12: questions[0].audio: 'own.wav' is a hard link (the same file has 2 "
        "names, perhaps outside the deck's folder); copy the file into the folder instead",
    ]


def test_a_link_inside_the_deck_folder_is_fine(tmp_path):
    deck_file = _deck_with(tmp_path, "![x](link.png)")
    (deck_file.parent / "real.png").write_bytes(png(1, 1, (0, 0, 0)))
    os.symlink("real.png", deck_file.parent / "link.png")

    (q,) = load_deck(deck_file).questions

    assert q.images[0].data == (deck_file.parent / "real.png").read_bytes()


def test_files_over_the_limits_are_refused(tmp_path, monkeypatch):
    import prepdeck.deckfile.media as media

    monkeypatch.setattr(media, "IMAGE_LIMIT", 100)
    monkeypatch.setattr(media, "AUDIO_LIMIT", 100)
    deck_file = _deck_with(tmp_path, "![big](big.png)", "[small.wav, big.wav]")
    (deck_file.parent / "big.png").write_bytes(png(64, 64, (1, 2, 3)) + b"\0" * 200)
    wav(deck_file.parent / "small.wav", 10)
    wav(deck_file.parent / "big.wav", 1000)

    problems = _problems(deck_file)

    assert [p.split(": ", 2)[1] for p in problems] == [
        "questions[0].tips[0]",
        "questions[0].audio[1]",
    ]
    assert "'big.png' is 0.0 MiB; pictures are limited to 0 MiB: make it smaller" in problems[0]
    assert "recordings are limited" in problems[1]


def test_a_folder_or_a_fifo_named_as_media_is_refused(tmp_path):
    deck_file = _deck_with(tmp_path, "![x](images)", "pipe.wav")
    (deck_file.parent / "images").mkdir()
    os.mkfifo(deck_file.parent / "pipe.wav")

    problems = _problems(deck_file)

    assert "'images' is a folder, not a file" in problems[0]
    assert "'pipe.wav' is a named pipe (FIFO), not a file" in problems[1]


def test_each_file_is_read_once_per_build(example, monkeypatch):
    import prepdeck.deckfile.media as media

    reads = []
    real = media.read_bounded
    monkeypatch.setattr(media, "read_bounded", lambda p, n: reads.append(p) or real(p, n))
    text = example.read_text()
    example.write_text(
        text.replace("- Name the system you used", "- '![again](images/workflow.png)'")
    )

    load_deck(example)

    assert sorted(os.path.basename(p) for p in reads) == [
        "flow.svg",
        "ill-systems.wav",
        "workflow.png",
        "workflow.png",  # once more as the description's _prepdeck- file
    ]


def test_text_parsed_alone_reads_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.png").write_bytes(png(1, 1, (0, 0, 0)))

    deck = parse_deck_text(
        "deck: {key: d, name: D}\nquestions:\n  - {id: q, topic: t, question: q, "
        "tips: ['![x](a.png)'], audio: a.png}\n"
    )

    assert deck.questions[0].images == deck.questions[0].audio == ()


# -- packaging ----------------------------------------------------------------------------------


def test_the_package_carries_each_file_once_under_its_content_name(example, tmp_path):
    result = build_deck(example, out_dir=tmp_path / "dist")

    names, files = package(result.output)
    deck = load_deck(example)
    expected = {m.name: m.data for m in (*deck.images, *deck.questions[0].images)}
    expected.update({m.name: m.data for m in deck.questions[0].audio})
    assert files == expected
    assert sorted(names) == [str(i) for i in range(4)]
    assert sum(n.startswith("_prepdeck-") for n in files) == 1


def test_builds_stay_byte_reproducible(example, tmp_path):
    first = build_deck(example, out_dir=tmp_path / "a").output.read_bytes()
    (example.parent / "media-example.state.json").unlink()

    assert build_deck(example, out_dir=tmp_path / "b").output.read_bytes() == first


def test_a_text_only_package_has_an_empty_media_map(deck_file, tmp_path):
    result = build_deck(deck_file, out_dir=tmp_path / "dist")

    assert package(result.output) == ({}, {})


def test_a_filtered_build_carries_only_its_questions_media(example, tmp_path):
    from prepdeck.cards.select import Selection

    result = build_deck(example, out_dir=tmp_path / "dist", selection=Selection(ids=("plain",)))

    _, files = package(result.output)
    assert [n[:10] for n in files] == ["_prepdeck-"]  # the description's picture only


def test_a_package_over_the_media_limit_is_refused(example, tmp_path, monkeypatch):
    import prepdeck.builds.pipeline as build

    monkeypatch.setattr(build, "PACKAGE_LIMIT", 1000)

    with pytest.raises(PrepdeckError) as err:
        build_deck(example, out_dir=tmp_path / "dist")

    assert str(err.value).startswith(f"{example}: the pictures and recordings of this package")
    assert not (tmp_path / "dist").exists()


# -- change detection ---------------------------------------------------------------------------


def test_replacing_a_picture_changes_its_note_and_the_report_names_the_file(example, tmp_path):
    build_deck(example, out_dir=tmp_path / "dist")
    (example.parent / "images" / "flow.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    )

    report = build_deck(example, out_dir=tmp_path / "dist").report

    assert report.changed == ["ill-systems"] and not report.rerendered
    assert report.media_changed == [("ill-systems", ["images/flow.svg"])]
    assert "media changed: ill-systems: images/flow.svg" in report.lines()
    state = read_state(example.parent / "media-example.state.json")
    assert any(n.endswith(".svg") for n in state.questions["ill-systems"].media)
    assert build_deck(example, out_dir=tmp_path / "dist").report.unchanged


def test_own_recordings_stay_out_of_the_committed_state(example, tmp_path):
    mine_dir = example.parent / "media-example.mine"
    mine_dir.mkdir()
    wav(mine_dir / "me.wav", 400)
    build_deck(example, out_dir=tmp_path / "dist")
    committed = (example.parent / "media-example.state.json").read_text()
    (example.parent / "media-example.mine.yaml").write_text(
        "answers:\n  plain:\n    audio: media-example.mine/me.wav\n"
    )

    result = build_deck(example, out_dir=tmp_path / "dist")

    assert result.report.answers_changed == ["plain"]
    assert shared_part((example.parent / "media-example.state.json").read_text()) == shared_part(
        committed
    )
    _, files = package(result.output)
    assert (mine_dir / "me.wav").read_bytes() in files.values()
    local = (example.parent / "media-example.mine.state.json").read_text()
    assert '"plain"' in local


# -- the real Anki backend ----------------------------------------------------------------------


def test_anki_imports_the_files_byte_for_byte_and_finds_nothing_missing_or_unused(
    example, tmp_path, anki
):
    result = build_deck(example, out_dir=tmp_path / "dist")

    log = anki.import_apkg(result.output)

    assert log.new == 2
    media_dir = Path(anki.col.media.dir())
    _, files = package(result.output)
    assert {p.name: p.read_bytes() for p in media_dir.iterdir()} == files
    card = anki.card("ill-systems")
    answer = card.answer()
    pictures = [n for n in files if not n.startswith("_") and not n.endswith(".wav")]
    assert len(pictures) == 2 and all(f'<img src="{n}"' in answer for n in pictures)
    # Anki turns the Extra field's [sound:] tag into a play button for the file.
    assert "[anki:play:a:0]" in answer
    assert [t.filename for t in card.answer_av_tags()] == [n for n in files if n.endswith(".wav")]
    check = anki.col.media.check()
    assert list(check.missing) == [] and list(check.unused) == []


def test_a_replaced_picture_updates_exactly_its_note_and_an_unchanged_rebuild_nothing(
    example, tmp_path, anki, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    anki.import_apkg(build_deck(example, out_dir=tmp_path / "dist").output)
    new_png = png(48, 24, (20, 160, 60))
    (example.parent / "images" / "workflow.png").write_bytes(new_png)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000100")

    log = anki.import_apkg(build_deck(example, out_dir=tmp_path / "dist").output)

    assert (log.new, log.updated, log.duplicate) == (0, 1, 1)
    name = content_name(new_png, "png")
    assert (Path(anki.col.media.dir()) / name).read_bytes() == new_png
    assert name in anki.note("ill-systems")["Tips"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000200")
    again = anki.import_apkg(build_deck(example, out_dir=tmp_path / "dist").output)
    assert (again.new, again.updated) == (0, 0)


def test_a_second_deck_with_the_same_picture_imports_without_a_clash(example, tmp_path, anki):
    other = example.with_name("other.yaml")
    other.write_text(
        example.read_text()
        .replace("key: media-example", "key: other-media")
        .replace("name: Media example", "name: Other media")
    )
    anki.import_apkg(build_deck(example, out_dir=tmp_path / "dist").output)

    log = anki.import_apkg(build_deck(other, out_dir=tmp_path / "dist").output)

    assert log.new == 2
    names = sorted(p.name for p in Path(anki.col.media.dir()).iterdir())
    assert len(names) == 4  # the same four files, stored once, no renamed copies
    assert anki.col.media.check().missing == []


def test_hostile_paths_get_a_message_not_a_traceback(tmp_path):
    deck_file = _deck_with(
        tmp_path, "![a](x%00y.png) ![b](.) ![c](//host/p.png) ![d](file:///etc/passwd)"
    )

    problems = _problems(deck_file)

    assert sorted(p.split("tips[0]: ", 1)[1] for p in problems) == [
        "'.' is a folder, not a file",
        f"'//host/p.png' is not a file beside the deck: {REMOTE}",
        f"'file:///etc/passwd' is not a file beside the deck: {REMOTE}",
        "'x%00y.png' is not a valid path (it holds a NUL character)",
    ]


def test_a_deck_whose_media_exceed_the_package_limit_stops_reading(tmp_path, monkeypatch):
    import prepdeck.deckfile.media as media

    monkeypatch.setattr(media, "PACKAGE_LIMIT", 100)
    deck_file = _deck_with(tmp_path, "![a](a.png) ![b](b.png) ![c](c.png)")
    for i, name in enumerate("abc"):
        (deck_file.parent / f"{name}.png").write_bytes(png(1, 1, (i, i, i)))

    problems = _problems(deck_file)

    assert len(problems) == 2  # b.png passes the limit, and so does c.png
    assert "with 'b.png' the deck's pictures and recordings add up to more than" in problems[0]


def test_the_command_line_refuses_a_remote_picture_with_a_located_message(tmp_path):
    from click.testing import CliRunner

    from prepdeck.cli import cli

    deck_file = _deck_with(tmp_path, "![pixel](https://tracker.example/p.gif)")

    result = CliRunner().invoke(cli, ["build", str(deck_file), "--out-dir", str(tmp_path / "d")])

    assert result.exit_code == 1
    assert f"{deck_file}:9:9: questions[0].tips[0]: 'https://tracker.example/p.gif'" in (
        result.stderr
    )
    assert "Traceback" not in result.output and not (tmp_path / "d").exists()


def test_a_name_anki_holds_with_other_bytes_still_shows_the_packaged_picture(
    example, tmp_path, anki, monkeypatch
):
    """Measured: when another package already put a file of that name with other bytes into
    the collection, Anki stores the incoming one as <name>-<sha1>.<ext> and points the note
    at it; for a name that starts with "_" it keeps the file it has. prepdeck's names come
    from the bytes, so a clash needs another tool (or a hash collision), and a changed
    picture always arrives under a new name."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    genuine = build_deck(example, out_dir=tmp_path / "dist").output
    names, files = package(genuine)
    impostor = tmp_path / "impostor.apkg"
    with zipfile.ZipFile(genuine) as src, zipfile.ZipFile(impostor, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if names.get(info.filename, "").endswith(".png"):
                data = png(8, 8, (255, 0, 0))  # the same names, other bytes
            dst.writestr(info, data)
    anki.import_apkg(impostor)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000100")

    log = anki.import_apkg(
        build_deck(example, out_dir=tmp_path / "dist", resend=["ill-systems"]).output
    )

    assert log.updated == 1
    media_dir = Path(anki.col.media.dir())
    tips = anki.note("ill-systems")["Tips"]
    (png_name,) = [n for n in files if n.startswith("prepdeck-") and n.endswith(".png")]
    (renamed,) = [p for p in media_dir.iterdir() if p.name.startswith(png_name[:-4] + "-")]
    assert renamed.read_bytes() == files[png_name] and f'src="{renamed.name}"' in tips
    (description,) = [n for n in files if n.startswith("_")]
    assert (media_dir / description).read_bytes() == png(8, 8, (255, 0, 0))


picture_text = st.text(alphabet=st.sampled_from(list("ab *_`[]()<>!#-.:/\\\n")), max_size=40)


@given(picture_text.map(lambda t: "![" + t))
def test_every_picture_the_html_shows_is_one_the_loader_checked(text):
    """render shows a picture only by a path image_refs found, so load checked its file."""
    import re

    from prepdeck.cards.render import markdown_block, markdown_inline
    from prepdeck.deckfile.media import image_refs

    refs = set(image_refs(text))
    for html in (markdown_block(text), markdown_inline(text)):
        shown = {r.replace("&amp;", "&") for r in re.findall(r'<img data-ref="([^"]*)"', html)}
        assert {s.replace("&quot;", '"') for s in shown} <= refs


def test_a_missing_own_recording_is_located_in_the_answers_file(example):
    mine = example.with_name("media-example.mine.yaml")
    mine.write_text("answers:\n  plain:\n    audio:\n      - media-example.mine/gone.m4a\n")

    problems = _problems(example)

    assert problems == [
        f"{mine}:4:9: answers.plain.audio[0]: 'media-example.mine/gone.m4a': no such file; "
        "check the path"
    ]


def test_importing_a_package_with_recordings_counts_them_as_left_out(tmp_path):
    """prepdeck import does not bring media back; it says how many it left out."""
    from click.testing import CliRunner

    from prepdeck.cli import cli

    folder = tmp_path / "media"
    shutil.copytree(EXAMPLE, folder)
    built = build_deck(folder / "media-example.yaml", out_dir=tmp_path / "dist")

    result = CliRunner().invoke(cli, ["import", str(built.output)])

    assert result.exit_code == 0, result.output
    assert "media item" in result.stderr
