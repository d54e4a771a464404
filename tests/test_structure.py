"""The layout holds: dependencies point one way, the domain never reaches up into Flask or
the web layer, no import circle forms, and no module grows past a size a person can read.

The checker reads imports from the source (module level and inside functions alike), so a
deferred import cannot hide a circle. Its own tests below run it on small made-up trees, to
show it fails on an upward import and on a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("advice_hub", "forms", "notifications")

# Bottom to top. A module may import from its own layer and the layers below it, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("advice_hub.config", "advice_hub.models", "advice_hub.deadlines", "advice_hub.display"),
    # What every capability stands on: forms and emails as data, sessions and the one
    # transaction rule, the outbox, documents, and the seal chain with the audit log.
    (
        "forms",
        "notifications",
        "advice_hub.db",
        "advice_hub.transactions",
        "advice_hub.outbox",
        "advice_hub.documents",
        "advice_hub.sealing",
    ),
    (
        "advice_hub.requests",
        "advice_hub.chasing",
        "advice_hub.accounts",
        "advice_hub.directory",
    ),
    ("advice_hub.assessments",),
    ("advice_hub.mail", "advice_hub.reports"),
    # The processes' wiring: the app's clients, the workers and the clock, logging.
    ("advice_hub.services", "advice_hub.jobs", "advice_hub.logs"),
    ("advice_hub.web",),
    ("advice_hub.app", "advice_hub"),
    # The processes' entry points, which build the app: the command and the worker.
    ("advice_hub.cli", "advice_hub.jobs.worker"),
)
# The domain: the layers below the processes' wiring. Nothing here knows about HTTP.
DOMAIN_LAYERS = 5
FRAMEWORK_MODULES = ("flask", "flask_wtf", "werkzeug", "wtforms", "itsdangerous")
# The one module below the web layer whose job is the framework: it turns an advice template
# into the flask-wtf forms the contributor's pages show. The domain never imports it.
FRAMEWORK_ADAPTERS = frozenset({"forms.wtf"})
LARGEST_MODULE = 450
LARGE_BY_NATURE = frozenset({"advice_hub/models.py"})  # the schema, one table after another


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a project module, or a top-level third-party name)
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path, packages: Iterable[str] = TOP_PACKAGES) -> dict[str, Path]:
    return {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import in the module, resolved to the project module it names (``from a import
    b`` names the module ``a.b`` when there is one) or to a third-party top-level name."""
    found = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "__future__":
                continue
            if target.split(".")[0] not in TOP_PACKAGES:
                target = target.split(".")[0]
            else:
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
            if target != name:
                found.append(Import(name, target, node.lineno))
    return found


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching prefix, layer)
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), number)
    return best[1] if best is not None else None


def upward_imports(imports: Iterable[Import]) -> list[str]:
    problems = []
    for item in imports:
        source, target = layer_of(item.source), layer_of(item.target)
        if source is None:
            problems.append(f"{item.source} is in no layer: add it to LAYERS")
        elif target is not None and target > source:
            problems.append(
                f"{item.source} (line {item.line}) imports {item.target}, a layer above it"
            )
    return sorted(set(problems))


def framework_in_domain(imports: Iterable[Import]) -> list[str]:
    problems = []
    for item in imports:
        layer = layer_of(item.source)
        if layer is None or layer >= DOMAIN_LAYERS or item.source in FRAMEWORK_ADAPTERS:
            continue
        if item.target in FRAMEWORK_MODULES or item.target in FRAMEWORK_ADAPTERS:
            problems.append(f"{item.source} (line {item.line}) imports {item.target}")
    return problems


def import_cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Each set of project modules that import one another in a circle (Tarjan's SCCs)."""
    graph: dict[str, set[str]] = {}
    for item in imports:
        if item.target.split(".")[0] in TOP_PACKAGES:
            graph.setdefault(item.source, set()).add(item.target)
            graph.setdefault(item.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for following in sorted(graph[node]):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                cycles.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def all_imports(root: Path) -> list[Import]:
    modules = project_modules(root)
    return [item for name, path in modules.items() for item in imports_of(name, path, modules)]


# --- The project ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_imports() -> list[Import]:
    return all_imports(ROOT)


def test_every_module_belongs_to_a_layer_and_imports_only_its_own_layer_or_below(
    project_imports: list[Import],
) -> None:
    assert len(project_imports) > 300  # the checker read the whole project
    assert upward_imports(project_imports) == []


def test_the_domain_never_imports_flask_or_the_web_layer(project_imports: list[Import]) -> None:
    assert framework_in_domain(project_imports) == []
    domain = [i for i in project_imports if (layer_of(i.source) or 0) < DOMAIN_LAYERS]
    assert domain, "no domain module was read"
    assert [i for i in domain if i.target.startswith("advice_hub.web")] == []


def test_no_modules_import_one_another_in_a_circle(project_imports: list[Import]) -> None:
    assert import_cycles(project_imports) == []


def test_no_module_outside_the_schema_is_over_450_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in project_modules(ROOT).values()
    }
    assert len(sizes) > 100
    too_long = {
        name: lines
        for name, lines in sizes.items()
        if lines > LARGEST_MODULE and name not in LARGE_BY_NATURE
    }
    assert too_long == {}


def test_the_top_level_package_reads_as_the_products_parts() -> None:
    packages = {path.name for path in (ROOT / "advice_hub").iterdir() if path.is_dir()}
    assert {"requests", "assessments", "sealing", "mail", "chasing", "web", "cli", "jobs"} <= (
        packages
    )
    audiences = {p.name for p in (ROOT / "advice_hub" / "web").iterdir() if p.is_dir()}
    assert audiences - {"__pycache__"} == {"contributor", "staff", "admin", "api", "public"}


# --- The checker itself -----------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checker_names_an_import_from_a_layer_above(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "advice_hub/__init__.py": "",
            "advice_hub/models.py": "",
            "advice_hub/web/__init__.py": "",
            "advice_hub/web/pages.py": "from advice_hub import models\n",
            "advice_hub/sealing/__init__.py": "",
            "advice_hub/sealing/seals.py": "def f():\n    from advice_hub.web.pages import x\n",
        },
    )
    problems = upward_imports(all_imports(root))
    assert problems == [
        "advice_hub.sealing.seals (line 2) imports advice_hub.web.pages, a layer above it"
    ]


def test_the_checker_names_flask_in_the_domain(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "advice_hub/__init__.py": "",
            "advice_hub/requests/__init__.py": "",
            "advice_hub/requests/drafts.py": "from flask import g\n",
            "advice_hub/web/__init__.py": "import flask\n",
        },
    )
    assert framework_in_domain(all_imports(root)) == [
        "advice_hub.requests.drafts (line 1) imports flask"
    ]


def test_the_checker_names_every_module_of_a_circle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "advice_hub/__init__.py": "",
            "advice_hub/mail/__init__.py": "",
            "advice_hub/mail/a.py": "from advice_hub.mail.b import x\n",
            "advice_hub/mail/b.py": "from advice_hub.mail import c\n",
            "advice_hub/mail/c.py": "import advice_hub.mail.a\n",
            "advice_hub/mail/d.py": "from advice_hub.mail.a import y\n",
        },
    )
    assert import_cycles(all_imports(root)) == [
        ["advice_hub.mail.a", "advice_hub.mail.b", "advice_hub.mail.c"]
    ]
