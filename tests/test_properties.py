"""Property tests: no input makes the loader or the CLI fail with anything but a message."""

from __future__ import annotations

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prepdeck.cli import cli
from prepdeck.dump import dump_deck
from prepdeck.errors import DeckFileError
from prepdeck.labels import LABEL_KEYS, label_problem
from prepdeck.load import RESERVED_TAG_PREFIXES, TAG_RE, parse_deck_text
from prepdeck.model import Deck, Question
from prepdeck.slugs import slugify

from conftest import SHIPPED

SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")

slugs = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
# Any text YAML can carry: no surrogates; the loader strips outer whitespace, so do we.
texts = (
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60)
    .map(str.strip)
    .filter(bool)
)
optional_texts = st.one_of(st.just(""), texts)
tags = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=15).filter(
    lambda t: TAG_RE.match(t) and not t.lower().startswith(RESERVED_TAG_PREFIXES)
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
        text = draw(texts)
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
    name = draw(texts.filter(lambda n: all(p.strip() for p in n.split("::"))))
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
