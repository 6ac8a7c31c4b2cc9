"""Pictures and recordings on the cards: find them, check them by their bytes, name them.

A deck names its files by path, relative to the deck file (`![alt](images/x.png)` in its
Markdown, `audio: answers/x.m4a` on a question). Each file is read once per build, recognised
by its first bytes (never by its name), and given a name derived from its content,
`prepdeck-<hash>.<ext>`: two decks, or two versions of one image, never share a name in the
learner's collection. Anki's media check calls a file used only in a deck description unused
unless its name starts with "_", so those are `_prepdeck-<hash>.<ext>`.
"""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from typing import NamedTuple

from prepdeck.files import NotAFileError, TooLargeError, read_bounded

MiB = 1024 * 1024
IMAGE_LIMIT = 5 * MiB  # per picture
AUDIO_LIMIT = 20 * MiB  # per recording
PACKAGE_LIMIT = 200 * MiB  # all the media of one package (and of one deck file) together

IMAGE_FORMATS = "a PNG, JPEG, GIF, WebP or SVG picture"
AUDIO_FORMATS = "an MP3, M4A/AAC, Ogg/Opus or WAV recording"
MIME = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
}
PREFIX = "prepdeck-"
DESCRIPTION_PREFIX = "_prepdeck-"
# A package name as cards/media.py places it in fields; nothing else in a field can match it.
# Patterns are compiled on first use (re caches them): loading a text-only deck never pays.
NAME = r"_?prepdeck-[0-9a-f]{16}\.(?:png|jpg|gif|webp|svg|mp3|m4a|aac|ogg|wav)"

# A scheme (http:, data:, file:, C: …) or a network path (//host): not a file of the deck's.
_REMOTE = r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|[/\\]{2})"
# An SVG: an optional byte order mark, XML declaration, comments and doctype, then <svg.
_SVG_START = (
    rb"(?si)^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?"
    rb"(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<svg[\s>]"
)


class Media(NamedTuple):
    """One file on a card: how the deck refers to it, its package name and its bytes."""

    ref: str  # the path as the deck writes it (an image's after Markdown's link encoding)
    path: str  # the path relative to the deck's folder, for messages and reports
    name: str  # the name in the package and in the learner's collection
    data: bytes


def image_format(data: bytes) -> str | None:
    """The file name ending for a picture's bytes, or None when they are no format we take."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if re.match(_SVG_START, data[:4096]):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "svg"
    return None


def audio_format(data: bytes) -> str | None:
    """The file name ending for a recording's bytes, or None when they are no format we take."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data.startswith(b"OggS"):
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data.startswith(b"ID3"):
        return "mp3"
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        # MPEG frame sync: layer bits 00 are AAC in an ADTS stream, others MP3.
        return "aac" if data[1] & 0x06 == 0 else "mp3"
    return None


def content_name(data: bytes, ext: str, description: bool = False) -> str:
    """`prepdeck-<hash>.<ext>`: the same bytes always get the same name, other bytes another."""
    import hashlib  # here, not at the top: commands without media never load OpenSSL

    prefix = DESCRIPTION_PREFIX if description else PREFIX
    return f"{prefix}{hashlib.sha256(data).hexdigest()[:16]}.{ext}"


class MediaProblem(Exception):
    """A media reference that cannot go on a card; the message says why and what to do."""


class Files:
    """The media files of one load, each read and hashed once however often it is named."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, bool], tuple[str, bytes]] = {}
        self._total = 0  # bytes held, so that a hostile deck cannot exhaust memory

    def resolve(self, folder: str, ref: str, kind: str, description: bool = False) -> Media:
        """The file `ref` (a path relative to `folder`), checked; raises MediaProblem."""
        if not ref.strip():
            raise MediaProblem("the path is empty; give a file's path, such as images/x.png")
        path = _relative(ref, encoded=kind == "image")
        if path is None:
            what, example = (
                ("a picture", "images/diagram.png")
                if kind == "image"
                else ("a recording", "answers/my-answer.m4a")
            )
            raise MediaProblem(
                f"'{_short(ref)}' is not a file beside the deck: {what} from the web would not "
                "load offline on a phone, and could track who studies; save the file in the "
                f"deck's folder and give its path, such as {example}"
            )
        if "\x00" in path:
            raise MediaProblem(f"'{_short(ref)}' is not a valid path (it holds a NUL character)")
        root = os.path.realpath(folder or ".")
        joined = os.path.join(root, path)
        if os.path.isabs(path) or not _inside(os.path.normpath(joined), root):
            raise MediaProblem(
                f"'{_short(ref)}' leaves the deck's folder; media must be in the folder of the "
                "deck file or below it"
            )
        real = os.path.realpath(joined)
        if not _inside(real, root):
            raise MediaProblem(
                f"'{_short(ref)}' is a symbolic link that leads out of the deck's folder; copy "
                "the file into the folder instead"
            )
        key = (real, kind, description)
        if key not in self._seen:
            _single_name(real, ref)
            self._seen[key] = self._read(real, ref, kind, description)
            self._total += len(self._seen[key][1])
            if self._total > PACKAGE_LIMIT:
                raise MediaProblem(
                    f"with '{_short(ref)}' the deck's pictures and recordings add up to more "
                    f"than {PACKAGE_LIMIT // MiB} MiB, the limit for a package; make some "
                    "smaller, or split the deck"
                )
        name, data = self._seen[key]
        return Media(ref, path.replace(os.sep, "/"), name, data)

    @staticmethod
    def _read(real: str, ref: str, kind: str, description: bool) -> tuple[str, bytes]:
        limit = IMAGE_LIMIT if kind == "image" else AUDIO_LIMIT
        try:
            data = read_bounded(real, limit)
        except FileNotFoundError:
            raise MediaProblem(f"'{_short(ref)}': no such file; check the path") from None
        except NotAFileError as err:
            raise MediaProblem(f"'{_short(ref)}' {err.strerror}") from None
        except TooLargeError as err:
            what = "pictures" if kind == "image" else "recordings"
            raise MediaProblem(
                f"'{_short(ref)}' is {err.size / MiB:.1f} MiB; {what} are limited to "
                f"{limit // MiB} MiB: make it smaller"
            ) from None
        except OSError as err:
            raise MediaProblem(f"'{_short(ref)}' cannot be read: {err.strerror or err}") from None
        if kind == "image":
            ext, formats = image_format(data), IMAGE_FORMATS
        else:
            ext, formats = audio_format(data), AUDIO_FORMATS
        if ext is None:
            raise MediaProblem(
                f"'{_short(ref)}' is not {formats} (judged by the file's content, not its "
                "name); convert it to one of these"
            )
        return content_name(data, ext, description), data


def _single_name(real: str, ref: str) -> None:
    """Refuse a hard link: the file has another name, perhaps outside the deck's folder, so
    the folder alone no longer says what a package may carry (a symbolic link is caught by
    its real path; a hard link has none to check)."""
    try:
        info = os.stat(real)
    except OSError:
        return  # missing or unreadable: reading it says so
    links = info.st_nlink
    if links > 1 and stat.S_ISREG(info.st_mode):  # a folder has several names by nature
        raise MediaProblem(
            f"'{_short(ref)}' is a hard link (the same file has {links} names, perhaps outside "
            "the deck's folder); copy the file into the folder instead"
        )


def _relative(ref: str, encoded: bool) -> str | None:
    """The path a reference names, or None for a remote or otherwise non-file reference.

    An image's path comes from Markdown, which percent-encodes it (a space is %20)."""
    if re.match(_REMOTE, ref):
        return None
    path = ref
    if encoded:
        from urllib.parse import unquote

        path = unquote(ref.split("#", 1)[0].split("?", 1)[0])
    return path.replace("/", os.sep)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _short(ref: str, most: int = 80) -> str:
    return ref if len(ref) <= most else ref[: most - 1] + "…"


# -- images in Markdown ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def markdown():
    """The one Markdown parser of cards and descriptions: CommonMark, strikethrough, no raw
    HTML; links only to http(s) and mailto, images only by a path (load checks the file)."""
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline.image import image as image_rule

    md = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
    md.validateLink = _safe_link

    def image(state, silent: bool) -> bool:
        # Images take a path, which a link may not; the parser has one validator for both.
        state.md.validateLink = _any_target
        try:
            return image_rule(state, silent)
        finally:
            state.md.validateLink = _safe_link

    md.inline.ruler.at("image", image)
    md.add_render_rule("image", _render_image)
    md.core.ruler.push("unsafe_links_as_text", _unsafe_links_as_text)
    return md


def _unsafe_links_as_text(state) -> None:
    # The parser asks validateLink about every target but an empty one: `[x]()` would be
    # <a href="">, a link to the card page itself. Such a link shows its text alone.
    for block in state.tokens:
        unlinked = False  # the open link was turned into text (links never nest)
        for token in block.children or ():
            if token.type == "link_open":
                unlinked = not _safe_link(token.attrGet("href") or "")
            elif token.type != "link_close" or not unlinked:
                continue
            if unlinked:
                token.type, token.tag, token.attrs, token.nesting = "text", "", {}, 0


ALLOWED_LINK_SCHEMES = ("http:", "https:", "mailto:")


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(ALLOWED_LINK_SCHEMES)


def _any_target(url: str) -> bool:
    return bool(url.strip())


def _render_image(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    # No src until place_images gives it a checked file: unplaced, it loads nothing.
    return f'<img data-ref="{_attr(token.attrGet("src") or "")}" alt="{_attr(alt)}">'


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@lru_cache(maxsize=4096)
def image_refs(text: str) -> tuple[str, ...]:
    """The image paths a Markdown text shows, in order. Text without "![" costs nothing; a
    text with it is parsed once per process, however many questions an alias hands it to."""
    if "![" not in text:
        return ()
    out: list[str] = []
    stack = list(reversed(markdown().parse(text)))
    while stack:
        token = stack.pop()
        if token.type == "image":
            out.append(token.attrGet("src") or "")
        if token.children:
            stack.extend(reversed(token.children))
    return tuple(out)
