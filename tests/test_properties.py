"""Property tests: no input makes the loader or the CLI fail with anything but a message."""

from __future__ import annotations

import unicodedata

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prepdeck.cli import cli
from prepdeck.deckfile.dump import dump_deck
from prepdeck.deckfile.labels import LABEL_KEYS, label_problem
from prepdeck.deckfile.load import INVISIBLE, RESERVED_TAG_PREFIXES, TAG_RE, parse_deck_text
from prepdeck.deckfile.model import Deck, Question
from prepdeck.deckfile.slugs import slugify
from prepdeck.errors import DeckFileError

from conftest import SHIPPED

SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")

slugs = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
# Any text a deck may hold: no surrogates, no control characters (refused, see
# test_hostile.py); the loader strips outer whitespace, so do we.
texts = (
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
    .map(str.strip)
    .filter(bool)
)
optional_texts = st.one_of(st.just(""), texts)


def _one_spelling(name: str) -> bool:
    """Names (topics, tags, deck names) are composed, visible, without empty '::' parts."""
    return (
        unicodedata.normalize("NFC", name) == name
        and not INVISIBLE.search(name)
        and name[0] not in "\u200c\u200d"
        and name[-1] not in "\u200c\u200d"
        and all(p.strip() for p in name.split("::"))
    )


names = texts.filter(_one_spelling)
tags = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=15).filter(
    lambda t: (
        TAG_RE.match(t) and not t.lower().startswith(RESERVED_TAG_PREFIXES) and _one_spelling(t)
    )
)


labels = st.lists(
    st.tuples(st.sampled_from(sorted(LABEL_KEYS)), texts.filter(lambda t: not label_problem(t))),
    max_size=3,
    unique_by=lambda pair: pair[0],
).map(lambda pairs: tuple(sorted(pairs)))


@st.composite
def decks(draw) -> Deck:
    ids = draw(st.lists(slugs, min_size=1, max_size=4, unique=True))
    spelling: dict[str, str] = {}  # one spelling per topic slug: the loader refuses two

    def topic() -> str:
        text = draw(names)
        return spelling.setdefault(slugify(text), text)

    questions = tuple(
        Question(
            id=qid,
            topic=topic(),
            question=draw(texts),
            tips=tuple(draw(st.lists(texts, min_size=1, max_size=3))),
            tags=tuple(draw(st.lists(tags, max_size=3, unique=True))),
            example=draw(optional_texts),
            notes=draw(optional_texts),
            retired=draw(st.booleans()),
        )
        for qid in ids
    )
    name = draw(names)
    return Deck(
        key=draw(slugs.filter(lambda k: k != "collection" and not k.startswith("backup-"))),
        name=name,
        description=draw(optional_texts),
        questions=questions,
        subdecks=draw(st.sampled_from(["none", "by-topic"])),
        speak=draw(st.sampled_from(["", "en_US", "de_DE"])),
        language=draw(st.sampled_from(["", "de", "ar", "zh-Hant", "pt-BR", "sw"])),
        labels=draw(labels),
    )


def _comparable(deck: Deck) -> Deck:
    return deck._replace(source="", questions=tuple(q._replace(line=0) for q in deck.questions))


@given(decks())
def test_writing_a_deck_and_loading_it_again_gives_the_same_deck(deck):
    assert _comparable(parse_deck_text(dump_deck(deck))) == _comparable(deck)


@given(decks())
def test_the_annotated_form_loads_to_the_same_deck(deck):
    assert _comparable(parse_deck_text(dump_deck(deck, annotate=True))) == _comparable(deck)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=10) | st.sampled_from(["deck", "questions", "id", "tips"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(yaml_values)
def test_any_yaml_document_loads_or_fails_with_a_deck_error(value):
    text = yaml.safe_dump(value)
    try:
        parse_deck_text(text)
    except DeckFileError as err:
        assert err.problems and all(p.message for p in err.problems)


@st.composite
def mutations(draw) -> str:
    text = SHIPPED_TEXT
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "replace"]))
        junk = draw(
            st.sampled_from(
                [
                    "\t",
                    ":",
                    "- ",
                    "'",
                    '"',
                    "[",
                    "{",
                    "&a",
                    "*a",
                    "!!",
                    "\n",
                    "  ",
                    "#",
                    "|",
                    ">",
                    "%",
                    "@",
                    "`",
                    "\x00",
                    "é",
                    "---",
                ]
            )
        )
        end = min(len(text), at + draw(st.integers(1, 30)))
        if kind == "delete":
            text = text[:at] + text[end:]
        elif kind == "insert":
            text = text[:at] + junk + text[at:]
        else:
            text = text[:at] + junk + text[end:]
    return text


@given(mutations())
def test_a_mangled_shipped_deck_loads_or_fails_with_a_deck_error(text):
    try:
        parse_deck_text(text)
    except DeckFileError as err:
        assert err.problems


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutations())
def test_the_cli_never_prints_a_traceback(tmp_path, text, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deck.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")

    result = CliRunner().invoke(cli, ["build", "--dry-run", "deck.yaml"])

    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# -- hostile shapes, one strategy per class: escapes, line breaks, amplification -------------

_CONTROLS = "".join(map(chr, [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]))
escapes = st.sampled_from(
    ["\\e]0;PWNED\\a", "\\e]52;c;ZXZpbA==\\a", "\\x9b2J", "\\e[2J", "\\x1f", "\\x00", "\\u202e"]
)
breaks = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x85", "\u2029"])
_FIELDS = ["topic", "question", "tip", "tag", "example", "notes", "name", "description"]


def _deck_text(values: dict[str, str], newline: str) -> str:
    """A deck whose every field may carry a double-quoted value with escapes in it."""
    lines = [
        "deck:",
        "  key: d",
        f'  name: "{values.get("name", "D")}"',
        f'  description: "{values.get("description", "")}"',
        "questions:",
        "  - id: q",
        f'    topic: "{values.get("topic", "T")}"',
        f'    question: "{values.get("question", "Q?")}"',
        f'    tips: ["{values.get("tip", "a tip")}"]',
        f'    tags: ["{values.get("tag", "x")}"]',
        f'    example: "{values.get("example", "")}"',
        f'    notes: "{values.get("notes", "")}"',
    ]
    return newline.join(lines) + newline


def _run_hostile(tmp_path, text: str):
    folder = tmp_path / "decks"
    folder.mkdir(exist_ok=True)
    (folder / "d.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
    for name in ("d.state.json",):
        (folder / name).unlink(missing_ok=True)
    results = [
        CliRunner().invoke(cli, [*args, "decks/d.yaml"])
        for args in (["check"], ["list"], ["topics"], ["build", "--dry-run"])
    ]
    for result in results:
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        assert not any(c in result.output for c in _CONTROLS.replace("\n", "").replace("\t", ""))
        if result.exit_code == 1:
            # a located message: decks/d.yaml:LINE:COLUMN: ...
            assert result.stderr.startswith("decks/d.yaml:"), result.stderr
    return results


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(_FIELDS),
    escape=escapes,
    newline=breaks,
    around=st.tuples(texts, texts).map(
        lambda t: tuple(s.replace('"', "").replace("\\", "") for s in t)
    ),
)
def test_escapes_and_line_breaks_in_any_field_give_inert_output_or_a_located_message(
    tmp_path, monkeypatch, field, escape, newline, around
):
    monkeypatch.chdir(tmp_path)
    value = around[0] + escape + around[1]

    check, *_ = _run_hostile(tmp_path, _deck_text({field: value}, newline))

    # A control character is never accepted; a bidi override only in names (topics, tags,
    # deck names), where it would make two names look alike; text may need it.
    refused = escape != "\\u202e" or field in ("topic", "tag", "name")
    assert check.exit_code == (1 if refused or newline in "\u2028\x85\u2029" else 0)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    depth=st.integers(1, 12),
    width=st.integers(2, 12),
    length=st.integers(1, 20_000),
    newline=breaks.filter(lambda b: b in "\r\n"),
)
def test_alias_amplification_of_any_shape_is_refused_or_small(
    tmp_path, monkeypatch, depth, width, length, newline
):
    monkeypatch.chdir(tmp_path)
    lines = [
        "deck: {key: d, name: D}",
        "questions:",
        "  - id: q",
        "    topic: T",
        "    question: Q?",
    ]
    lines.append(f"    example: &l0 {'x' * length}")
    for level in range(1, depth + 1):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"    notes{level}: &l{level} [{refs}]")
    lines.append(f"    tips: [*l{depth}]" if depth else "    tips: [a]")

    results = _run_hostile(tmp_path, newline.join(lines) + newline)

    expanded_chars = length * width**depth
    if expanded_chars > 64 * 1024 * 1024 or width**depth > 5_000_000:
        assert "YAML aliases expand to more than" in results[0].stderr
