"""Read a learner's own file, `decks/<deck>.mine.yaml`: their answers, interview date and
answer timer, merged into the deck they belong to. Personal: never part of the committed
build state (see builds/state.py's LocalState)."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from prepdeck.deckfile.media import Files, Media
from prepdeck.deckfile.model import Deck, Question
from prepdeck.deckfile.reader import Reader, did_you_mean, is_null, read_text
from prepdeck.errors import DeckFileError

MINE_KEYS = ("answers", "interview", "timer")
ANSWER_KEYS = ("example", "notes", "audio")


def merge_answers(
    deck: Deck, path: str, files: Files | None = None, text: str | None = None
) -> Deck:
    """The deck with the answers file at `path` merged in (`text`: that file's text as it
    is about to be written, read as if it were there)."""
    reader = _AnswersReader(path, files)
    # An empty (or comments-only) answers file simply holds no answers yet.
    root = reader.compose(read_text(path, reader) if text is None else text)
    answers, settings = {}, {}
    if root is not None:
        answers, settings = reader.mine(root, {q.id for q in deck.questions})
    if reader.problems:
        raise DeckFileError(reader.problems)
    questions = tuple(
        _with_answers(q, answers[q.id]) if q.id in answers else q for q in deck.questions
    )
    return deck._replace(questions=questions, **settings)


def _with_answers(q: Question, own: dict) -> Question:
    """A question with the learner's own example and notes, and their recordings after the
    deck's; `shared` keeps what the deck file alone gives (model.as_written), `mine` which
    values came from the answers file (pull writes edits of those back there)."""
    own = dict(own)
    mine = tuple(k for k in ("example", "notes", "audio") if k in own)
    audio = q.audio + own.pop("audio", ())
    images = tuple({m.ref: m for m in (*q.images, *own.pop("images", ()))}.values())
    shared = (q.example, q.notes, q.audio, q.images)
    return q._replace(**own, audio=audio, images=images, shared=shared, mine=mine)


class _AnswersReader(Reader):
    def mine(self, root: Node, known_ids: set[str]) -> tuple[dict[str, dict], dict]:
        """A learner's own file: `answers: {question-id: {example: …, notes: …}}`, and their
        `interview:` date and answer `timer:`. Returns the answers and the personal settings."""
        top = self.mapping(root, "top level", MINE_KEYS)
        if top is None:
            return {}, {}
        settings = {
            "interview": self.interview(top.get("interview")),
            "mine_timer": self.timer(top.get("timer"), "timer"),
        }
        if "answers" not in top or is_null(top["answers"]):
            return {}, settings
        if not isinstance(top["answers"], MappingNode):
            self.fail(top["answers"], "answers: expected a mapping of question ids")
            return {}, settings
        key_nodes = {k.value: k for k, _ in top["answers"].value if isinstance(k, ScalarNode)}
        entries = self.mapping(top["answers"], "answers", tuple(known_ids | set(key_nodes)))
        out: dict[str, dict] = {}
        known = tuple(known_ids)
        for qid, node in (entries or {}).items():
            if qid not in known_ids:
                self.fail(
                    key_nodes[qid],
                    f"answers: '{qid}' matches no question in the deck{did_you_mean(qid, known)}",
                )
                continue
            fields = self.mapping(node, f"answers.{qid}", ANSWER_KEYS)
            if fields is None:
                continue
            own: dict = {}
            images: list[Media] = []
            for k, v in fields.items():
                if k == "audio":
                    own[k] = self.recordings(v, f"answers.{qid}.audio")
                    continue
                own[k] = self.text(v, f"answers.{qid}.{k}", required=False)
                images += self.pictures(v, own[k], f"answers.{qid}.{k}")
            out[qid] = {**own, "images": tuple(images)}
        return out, settings
