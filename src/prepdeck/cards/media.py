"""Media on cards: pictures placed in field HTML, recordings as Anki's sound tags, and the
files a package carries (the deck file's side, reading and checking them, is
`prepdeck.deckfile.media`)."""

from __future__ import annotations

import re

from prepdeck.deckfile.media import MIME, NAME


def data_url(name: str, data: bytes) -> str:
    """A `data:` URL for a file, so that a preview page needs nothing beside it."""
    import base64

    mime = MIME[name.rsplit(".", 1)[1]]
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def package_media(groups, html: list[str]) -> dict[str, bytes]:
    """The files a package carries: those of `groups` (tuples of Media) that the package's
    field and description HTML name, by name in sorted order."""
    table = {m.name: m.data for group in groups for m in group}
    used = {name for text in html if "prepdeck-" in text for name in re.findall(NAME, text)}
    return {name: table[name] for name in sorted(used) if name in table}


IMG_STYLE = "max-width:100%;height:auto"
_IMG = r'<img data-ref="([^"]*)" alt="([^"]*)">'


def place_images(html: str, images: dict[str, str]) -> str:
    """Field HTML whose images point at their package names; an image whose file was not
    checked (no entry in `images`) shows its alt text instead, never a remote picture."""
    if "<img" not in html:
        return html

    def one(m: re.Match) -> str:
        ref = m.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
        name = images.get(ref.replace("&amp;", "&"))
        if name is None:
            return f'<span class="pd-alt">{m.group(2)}</span>'
        # Sized in the field, not the card CSS: the card design (and so every learner's note
        # type) stays as it is, and a picture never makes a phone screen scroll sideways.
        return f'<img src="{name}" alt="{m.group(2)}" style="{IMG_STYLE}">'

    return re.sub(_IMG, one, html)


_SOUND = r"\[sound:(" + NAME + r")\]"
_PLACED = r'(<img src=")(' + NAME + r')"'


def inline_media(html: str, files: dict[str, bytes]) -> str:
    """Field HTML for a page with nothing beside it: pictures as data URLs, prepdeck's sound
    tags as audio players (the preview; Anki itself reads the files from its media folder)."""
    if "prepdeck-" not in html:
        return html
    html = re.sub(
        _PLACED,
        lambda m: (
            m.group(1) + data_url(m.group(2), files[m.group(2)]) + '"'
            if m.group(2) in files
            else m.group(0)
        ),
        html,
    )
    return re.sub(
        _SOUND,
        lambda m: (
            f'<audio class="pd-audio" controls preload="none" '
            f'src="{data_url(m.group(1), files[m.group(1)])}"></audio>'
            if m.group(1) in files
            else ""
        ),
        html,
    )


def sound_tags(names: tuple[str, ...]) -> str:
    """Anki's play buttons for recordings: added after inert(), from names prepdeck made."""
    return "".join(f"[sound:{n}]" for n in names if re.fullmatch(NAME, n))
