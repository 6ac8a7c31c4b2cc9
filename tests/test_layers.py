"""The package reads as one pipeline: no module imports from a stage after its own.

floor (errors, files, ...) < deckfile < cards < builds < sources < exchange < deliver
< commands < cli. Imports inside functions count too: a lazy import that climbs is still a
loop in the design. `prepdeck/__init__.py` is the package's face and may import any stage.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "prepdeck"
FLOOR = {"errors", "files", "atomic", "project", "gcpause", "digest", "__version__"}
STAGES = ["floor", "deckfile", "cards", "builds", "sources", "exchange", "deliver", "commands"]
ORDER = [*STAGES, "top"]
TOP = {"cli", "__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) < 2:
        return "top"  # the package's face: `from prepdeck import build_deck` is a user's call
    if parts[1] in FLOOR:
        return "floor"
    if parts[1] in STAGES:
        return parts[1]
    if parts[1] in TOP:
        return "top"
    raise AssertionError(f"{module}: not in any stage; add it to one in tests/test_layers.py")


def imported(path: Path) -> list[tuple[int, str]]:
    """Every prepdeck module the file imports, with its line, wherever the import is."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..cards import y
                base = ".".join(package[: len(package) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                # `from prepdeck.cards import render` imports the module prepdeck.cards.render
                sub = f"{source}.{alias.name}"
                as_module = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                is_package = (PACKAGE.parent / sub.replace(".", "/") / "__init__.py").exists()
                if source == "prepdeck" and alias.name == "__version__":
                    sub, as_module = "prepdeck.__version__", True
                out.append((node.lineno, sub if as_module or is_package else source))
    return sorted({(line, name) for line, name in out if name.split(".")[0] == "prepdeck"})


def climbing_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue
        own = stage(module_name(path))
        for line, target in imported(path):
            if ORDER.index(stage(target)) > ORDER.index(own):
                where = path.relative_to(PACKAGE.parent)
                found.append(f"{where}:{line}: {own} imports {target} ({stage(target)})")
    return found


def test_no_import_climbs_the_pipeline():
    assert climbing_imports() == []


def test_the_check_sees_imports_of_every_kind(tmp_path, monkeypatch):
    """A climb written as a lazy import, a plain import or a relative one is found."""
    fake = tmp_path / "prepdeck"
    (fake / "deckfile").mkdir(parents=True)
    (fake / "cards").mkdir()
    for folder in (fake, fake / "deckfile", fake / "cards"):
        (folder / "__init__.py").write_text("")
    (fake / "cards" / "render.py").write_text("")
    (fake / "cli.py").write_text("")
    (fake / "deckfile" / "load.py").write_text(
        "def f():\n"
        "    from prepdeck.cards.render import x\n"
        "import prepdeck.cli\n"
        "from ..cards import render\n"
        "from prepdeck.errors import Problem\n"
    )
    (fake / "errors.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)

    assert climbing_imports() == [
        "prepdeck/deckfile/load.py:2: deckfile imports prepdeck.cards.render (cards)",
        "prepdeck/deckfile/load.py:3: deckfile imports prepdeck.cli (top)",
        "prepdeck/deckfile/load.py:4: deckfile imports prepdeck.cards.render (cards)",
    ]


@pytest.mark.parametrize("module", ["prepdeck.somewhere", "prepdeck.newstage.x"])
def test_a_module_outside_every_stage_is_named(module):
    with pytest.raises(AssertionError) as raised:
        stage(module)
    assert "not in any stage" in str(raised.value)
