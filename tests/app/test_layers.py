"""The arrows between the packages and between the rooms point one way (docs/architecture.md).

Every module's imports, including those inside functions, are read with `ast`:

- packages: app ← billing ← pathways ← reports (a package imports only itself and those to its
  left; `app/__init__.py`, the factory, wires the others in and is the one exception);
- rooms: inside pathways, capabilities ← catalogue ← learning ← mentoring ← requests; inside
  billing, the money engine ← stripe (`pathways/__init__.py` and `billing/__init__.py` wire
  their rooms in order and are the exceptions);
- another package's or room's views, forms, api and cli are never imported, only its models
  and service modules (a lower room that needs a higher one offers a hook instead).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "billing", "pathways", "reports")
ROOMS = {"pathways": ("capabilities", "catalogue", "learning", "mentoring", "requests",
                      "community"),
         "billing": ("", "stripe")}  # "": billing's own modules, the money engine
WIRING = {"app/__init__.py", "pathways/__init__.py", "billing/__init__.py"}
PRIVATE = ("views", "forms", "api", "cli")
# The shell's shared helpers are there to be imported: form bases and fields, CLI helpers, the
# API plumbing and its document.
SHARED = {"app.forms", "app.cli", "app.api", "app.api.plumbing", "app.api.openapi",
          "app.api.schema"}
# Known imports of another package's api, each with the change that removes it.
KNOWN: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Place:
    dotted: str
    package: str
    room: str  # "" outside a room

    @property
    def private(self) -> bool:
        """A views, forms, api or cli module, or one inside an `api` package."""
        if self.dotted in SHARED:
            return False
        return any(p in PRIVATE or p.startswith("views_") for p in self.dotted.split(".")[1:])

    @classmethod
    def of(cls, dotted: str) -> Place | None:
        parts = dotted.split(".")
        if parts[0] not in PACKAGES:
            return None
        rooms = ROOMS.get(parts[0], ())
        room = parts[1] if len(parts) > 1 and parts[1] in rooms else ""
        return cls(dotted, parts[0], room)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file, relative ones resolved; for
    `from package import name` the submodule when `name` is one."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: dict[tuple[int, str], None] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(((node.lineno, alias.name), None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found[(node.lineno, sub if is_module(sub) else target)] = None
    return list(found)


def violations() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            me = Place.of(module_name(path))
            assert me is not None
            for line, target in imported(path):
                other = Place.of(target)
                if other is None or rel in WIRING or (rel, target) in KNOWN:
                    continue
                where = f"{rel}:{line} imports {target}"
                if PACKAGES.index(other.package) > PACKAGES.index(me.package):
                    found.append(f"{where}: {me.package} must not import {other.package}, "
                                 f"the arrows are {' <- '.join(PACKAGES)}")
                    continue
                same_package = other.package == me.package
                if same_package and me.package in ROOMS and other.room != me.room:
                    rooms = ROOMS[me.package]
                    if me.room in rooms and rooms.index(other.room) > rooms.index(me.room):
                        found.append(f"{where}: the {me.room or me.package} room must not import "
                                     f"the higher {other.room} room; offer a hook it fills")
                        continue
                elsewhere = not same_package or other.room != me.room
                if elsewhere and other.private:
                    found.append(f"{where}: import another room's models and services, never "
                                 f"its views, forms, api or cli")
    return found


def test_imports_point_the_way_the_arrows_do():
    assert violations() == []


def test_each_known_exception_is_still_there():
    """When the access policy lands, its entries here must go too."""
    for rel, target in KNOWN:
        assert target in {t for _line, t in imported(ROOT / rel)}, (rel, target)


def test_the_checker_sees_a_wrong_way_import(tmp_path, monkeypatch):
    """A check that finds nothing must be able to find something: a catalogue module that
    imports the requests room and a mentoring view, requests reaching into the catalogue's
    views, and billing reaching into pathways."""
    for rel in ("pathways/__init__.py", "pathways/requests/__init__.py",
                "pathways/requests/submit.py", "pathways/mentoring/__init__.py",
                "pathways/mentoring/views.py", "pathways/catalogue/__init__.py",
                "pathways/catalogue/views.py",
                "billing/__init__.py", "app/__init__.py", "reports/__init__.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "pathways/catalogue/offerings.py").write_text(
        "from pathways.requests import submit\n\n\ndef f():\n    from ..mentoring import views\n")
    (tmp_path / "pathways/requests/links.py").write_text(
        "from pathways.catalogue.views import bp\nfrom . import submit\n")
    (tmp_path / "billing/ledger.py").write_text("import pathways.catalogue.offerings\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = violations()
    assert found == [
        "billing/ledger.py:1 imports pathways.catalogue.offerings: billing must not import "
        "pathways, the arrows are app <- billing <- pathways <- reports",
        "pathways/catalogue/offerings.py:1 imports pathways.requests.submit: the catalogue room "
        "must not import the higher requests room; offer a hook it fills",
        "pathways/catalogue/offerings.py:5 imports pathways.mentoring.views: the catalogue room "
        "must not import the higher mentoring room; offer a hook it fills",
        "pathways/requests/links.py:1 imports pathways.catalogue.views: import another room's "
        "models and services, never its views, forms, api or cli",
    ]
