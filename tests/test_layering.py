"""The layout's rules (README, "How it is built"), checked on the source itself.

- Each area (retailers, complaints, training, incidents) keeps what is only its own under `portal/<area>/`; its
  Streamlit pieces are in `portal/<area>/ui/`. `portal/ui/` holds the generic Streamlit pieces, `portal/records/`
  the records layer, `portal/dashboards/` the period filter, chart helpers and report writer, `portal/access/`
  sign-in, accounts and security events, `portal/center/` the center's own settings and calendars,
  `portal/notifications/` the worker, its rules and each user's notices, `portal/tools/` the demo and scale seeds
  and the bench.
- Only screen modules import streamlit: `portal/ui/`, `portal/<area>/ui/`, and the bench in `portal/tools/`.
- Domain modules (everything else in `portal/` but an area's bench driver) import no screen module.
- The shared packages import no area; `db/` imports from `portal/` only the foundation (config, errors, inputs).
- An area's domain builds only on the areas before it: retailers <- complaints <- incidents, and retailers,
  complaints <- training.
- Nothing imports the tooling but the commands that run it (`portal/cli.py`; `portal/bootstrap.py` seeds the demo
  center when asked); an area's bench driver may name its type.
- No two modules import each other, not even through others or inside a function.
- No module is over 400 lines; `tests/` mirrors the packages.
"""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from portal.config import ROOT

AREAS = ("retailers", "complaints", "training", "incidents")
SHARED = ("portal.ui", "portal.records", "portal.dashboards", "portal.access", "portal.center",
          "portal.notifications")
BEFORE = {"retailers": set(), "complaints": {"retailers"}, "incidents": {"retailers", "complaints"},
          "training": {"retailers", "complaints"}}
FOUNDATION = {"portal.config", "portal.errors", "portal.inputs", "portal.i18n"}
MAX_LINES = 400


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_name(p): p for folder in ("portal", "db") for p in sorted((ROOT / folder).rglob("*.py"))}


def _imports(path: Path, *, runtime_only: bool = True) -> set[str]:
    """Every module `path` imports (at the top or inside a function), by its full name; `import a.b` and
    `from a import b` name a.b when it is a module, `from a.b import name` names a.b. Imports under
    `if TYPE_CHECKING:` are left out when `runtime_only`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if runtime_only and isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules()
                          else node.module)
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(_imports(path) - {name}) for name, path in modules().items()}


def _within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _area(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "portal" and parts[1] in AREAS else None


def _is_screen(name: str) -> bool:
    return _within(name, "portal.ui", *(f"portal.{a}.ui" for a in AREAS))


def _is_tooling(name: str) -> bool:
    return _within(name, "portal.tools") or name in {f"portal.{a}.bench" for a in AREAS}


def test_only_screen_modules_and_the_bench_import_streamlit():
    importers = {name for name, deps in graph().items() if any(_within(d, "streamlit") for d in deps)}
    assert importers, "the rule checks nothing"
    assert {name for name in importers if not (_is_screen(name) or _within(name, "portal.tools"))} == set()


def test_domain_modules_import_no_screen_module():
    domain = {name for name in graph() if not (_is_screen(name) or _is_tooling(name))}
    assert {name: sorted(d for d in graph()[name] if _is_screen(d)) for name in domain
            if any(_is_screen(d) for d in graph()[name])} == {}


def test_shared_packages_and_the_database_layer_import_no_area():
    wrong = {name: sorted(d for d in deps if _area(d)) for name, deps in graph().items()
             if _within(name, *SHARED, "db") and any(_area(d) for d in deps)}
    assert wrong == {}
    db_uses = {d for name, deps in graph().items() if _within(name, "db") for d in deps if _within(d, "portal")}
    assert db_uses and db_uses <= FOUNDATION


def test_an_areas_domain_builds_only_on_the_areas_before_it():
    wrong = {(name, d) for name, deps in graph().items() if _area(name) and not (_is_screen(name) or _is_tooling(name))
             for d in deps if _area(d) and _area(d) != _area(name) and _area(d) not in BEFORE[_area(name)]}
    assert wrong == set()


def test_nothing_imports_the_tooling_but_the_commands_that_run_it():
    users = {name for name, deps in graph().items() if not _is_tooling(name)
             and any(_within(d, "portal.tools") for d in deps)}
    assert users == {"portal.cli", "portal.bootstrap"}
    pages = {p.name: sorted(d for d in _imports(p) if _within(d, "portal.tools"))
             for p in sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py", ROOT / "serve.py"]}
    assert {page: uses for page, uses in pages.items() if uses} == {}


def test_no_two_modules_import_each_other():
    """Not directly, nor through others (strongly connected components of the import graph, Tarjan)."""
    g, index, low, stack, on_stack, cycles = graph(), {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g[v] & g.keys():
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            visit(v)
    assert len(g) > 100 and cycles == []


def test_no_module_is_over_400_lines():
    files = [*modules().values(), *(ROOT / "pages").glob("*.py"), ROOT / "streamlit_app.py", ROOT / "serve.py"]
    long = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines()))
            > MAX_LINES}
    assert long == {}


def test_tests_mirror_the_packages():
    """tests/<x>/ tests portal/<x>/ (or db/); tests/support/ holds fixtures, tests/property/ fuzzes everything."""
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {f for f in folders - {"support", "property", "db"} if not (ROOT / "portal" / f / "__init__.py").exists()} \
        == set()
    assert {a for a in AREAS if a not in folders} == set()


def test_every_table_is_drawn_through_portal_ui_tables():
    """Streamlit writes "None" in English in every empty cell unless told otherwise: the portal's tables go through
    portal/ui/tables.py, which tells it (and so nothing else calls st.dataframe / st.data_editor)."""
    files = [*modules().values(), *(ROOT / "pages").glob("*.py"), ROOT / "streamlit_app.py"]
    direct = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("dataframe", "data_editor") \
                    and isinstance(node.value, ast.Name) and node.value.id == "st":
                direct.add(str(path.relative_to(ROOT)))
    assert direct == {"portal/ui/tables.py"}
