"""Architecture figures: imports against the layer direction, the longest functions, module counts,
and per package its modules, import floors, cycles and longest functions.

    .venv/bin/python scripts/arch_report.py [--top 10] [--contract ID] [--pyright]
    .venv/bin/python scripts/arch_report.py --packages [--top 3]    # only the per-package table

The layers come from the import-linter contract ``layers`` in pyproject.toml, so this script and
``lint-imports`` judge the same thing. The import graph is grimp's (import-linter's own), which
sees imports inside functions too; each import statement counts once, by its line. ``--pyright``
also runs pyright over the paths configured in pyproject.toml and prints its error count.

Issue 12 records the figures before and after the layers refactor with this script; issue 20
(ADR 0015) the per-package table.

Per package (``--packages``; every folder under booksync/ with an ``__init__.py``, migrations left
out): its modules are the .py files directly in it; a subpackage counts as one node of its parent's
graph (a wing is one room). The **floors** are the longest chain of imports between those nodes (a
node importing none of its siblings is on floor 1), the **top floor** names the nodes on it.
**Cycles** are the groups of siblings that import one another round (strongly connected
components), counting imports inside functions, which is how such a circle is usually closed.
**In functions** counts the import statements inside a function body, and how many of them carry a
comment naming why (``# app loading``, the only accepted reason; ADR 0015).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "booksync"
LONG_FUNCTION_PACKAGES = ("sync", "integrations")


# --- layers ------------------------------------------------------------------------------------
def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"] if "id" in c}


def default_contract() -> str:
    return "layers"


def layer_levels(contract: dict) -> dict[str, int]:
    """Module name → level (0 = top) for every module named in the contract's layers."""
    levels = {}
    for level, line in enumerate(contract["layers"]):
        for name in re.split(r"[|:]", line):
            levels[name.strip().strip("()")] = level
    return levels


def level_of(module: str, levels: dict[str, int]) -> int | None:
    for name, level in levels.items():
        if module == name or module.startswith(name + "."):
            return level
    return None


def layer_name(module: str, levels: dict[str, int]) -> str:
    return next(n for n in levels if module == n or module.startswith(n + "."))


@dataclass(frozen=True)
class UpwardImport:
    importer: str
    imported: str
    line: int
    in_function: bool


def _module_path(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    return Path(spec.origin)


def _indented(module: str, line: int) -> bool:
    text = _module_path(module).read_text().splitlines()
    return line <= len(text) and text[line - 1][:1].isspace()


def upward_imports(graph: grimp.ImportGraph, levels: dict[str, int]) -> list[UpwardImport]:
    found = []
    for importer in sorted(graph.modules):
        low = level_of(importer, levels)
        if low is None:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            high = level_of(imported, levels)
            if high is None or high >= low:
                continue
            for detail in graph.get_import_details(importer=importer, imported=imported):
                found.append(UpwardImport(importer, imported, detail["line_number"],
                                          _indented(importer, detail["line_number"])))
    return sorted(found, key=lambda u: (u.importer, u.line))


# --- functions and modules ---------------------------------------------------------------------
@dataclass(frozen=True)
class Function:
    name: str
    path: str
    line: int
    length: int


def functions(path: Path) -> list[Function]:
    tree = ast.parse(path.read_text(), filename=str(path))
    relative = str(path.relative_to(ROOT))
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                assert child.end_lineno is not None
                found.append(Function(name, relative, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return found


def python_modules(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if "migrations" not in p.parts)


# --- packages ------------------------------------------------------------------------------------
@dataclass
class PackageFigures:
    name: str
    modules: int
    floors: int
    top_floor: list[str]
    cycles: list[list[str]]
    in_functions: int
    explained: int
    longest: list[Function]


def packages() -> list[str]:
    found = []
    for init in sorted((ROOT / PACKAGE).rglob("__init__.py")):
        folder = init.parent
        if "migrations" in folder.parts:
            continue
        found.append(".".join(folder.relative_to(ROOT).parts))
    return found


def _child(package: str, module: str) -> str | None:
    """The direct child of ``package`` that ``module`` is, or lies in (None: outside it)."""
    if not module.startswith(package + "."):
        return None
    return package + "." + module[len(package) + 1:].split(".")[0]


def _components(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def _function_imports(path: Path) -> tuple[int, int]:
    """Import statements inside function bodies, and how many say ``# app loading`` on their line
    or the line above."""
    lines = path.read_text().splitlines()
    tree = ast.parse("\n".join(lines), filename=str(path))
    total = explained = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import | ast.ImportFrom):
                total += 1
                near = " ".join(lines[max(inner.lineno - 2, 0): inner.end_lineno or inner.lineno])
                explained += "app loading" in near
    return total, explained


def package_figures(graph: grimp.ImportGraph, package: str, top: int) -> PackageFigures:
    folder = ROOT.joinpath(*package.split("."))
    files = sorted(folder.glob("*.py"))
    nodes = {_child(package, m) for m in graph.modules if _child(package, m)} - {None}
    nodes = {n for n in nodes if n is not None}
    edges: dict[str, set[str]] = {}
    for importer in graph.modules:
        source = _child(package, importer)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _child(package, imported)
            if target is not None and target != source:
                edges.setdefault(source, set()).add(target)
    components = _components(nodes, edges)
    cycles = [c for c in components if len(c) > 1]
    component_of = {node: tuple(c) for c in components for node in c}
    floor: dict[tuple[str, ...], int] = {}

    def floor_of(component: tuple[str, ...]) -> int:
        if component not in floor:
            below = {component_of[t] for n in component for t in edges.get(n, ()) if component_of[t] != component}
            floor[component] = 1 + max((floor_of(c) for c in below), default=0)
        return floor[component]

    floors = max((floor_of(c) for c in set(component_of.values())), default=0)
    short = lambda name: name[len(package) + 1:]  # noqa: E731
    top_floor = sorted(short(n) for c, f in floor.items() if f == floors for n in c)
    in_functions = explained = 0
    longest: list[Function] = []
    for path in files:
        counted = _function_imports(path)
        in_functions += counted[0]
        explained += counted[1]
        longest += functions(path)
    longest.sort(key=lambda f: (-f.length, f.path, f.line))
    name = "booksync/ (top level)" if package == PACKAGE else package.removeprefix(PACKAGE + ".").replace(".", "/") + "/"
    return PackageFigures(name, len(files), floors,
                          top_floor, [[short(n) for n in c] for c in cycles], in_functions, explained,
                          longest[:top])


def print_packages(graph: grimp.ImportGraph, top: int) -> None:
    figures = [package_figures(graph, p, top) for p in packages()]
    print("\nPer package (modules directly in it; a subpackage is one node of its parent):")
    print(f"    {'package':30} {'modules':>7} {'floors':>6} {'cycles':>6} {'imports in functions':>21}")
    for f in figures:
        print(f"    {f.name:30} {f.modules:7} {f.floors:6} {len(f.cycles):6} "
              f"{f.in_functions:>12} ({f.explained} app loading)")
    print(f"    {'total':30} {sum(f.modules for f in figures):7} {'':6} {sum(len(f.cycles) for f in figures):6} "
          f"{sum(f.in_functions for f in figures):>12} ({sum(f.explained for f in figures)} app loading)")
    for f in figures:
        print(f"\n  {f.name}  top floor: {', '.join(f.top_floor) or '-'}")
        for cycle in f.cycles:
            print(f"    cycle: {' ↔ '.join(cycle)}")
        for fn in f.longest:
            print(f"    {fn.length:4}  {fn.name}  ({fn.path}:{fn.line})")


# --- pyright -------------------------------------------------------------------------------------
def pyright_errors() -> str:
    pyright = ROOT / ".venv" / "bin" / "pyright"
    run = subprocess.run([str(pyright) if pyright.exists() else "pyright"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    summary = re.search(r"(\d+) errors?, (\d+) warnings?", run.stdout)
    if summary is None:
        return f"pyright did not report ({run.returncode}): {run.stderr.strip()[:200]}"
    by_file = Counter(m.group(1) for m in re.finditer(r"^\s+(\S+?\.py):\d+:\d+ - error", run.stdout, re.M))
    lines = [f"{summary.group(1)} errors, {summary.group(2)} warnings"]
    lines += [f"    {count:3}  {Path(path).relative_to(ROOT)}" for path, count in sorted(by_file.items())]
    return "\n".join(lines)


# --- report --------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10, help="functions listed per package")
    parser.add_argument("--contract", default=None, help="layers contract id in pyproject.toml")
    parser.add_argument("--pyright", action="store_true", help="also run pyright and count its errors")
    parser.add_argument("--packages", action="store_true", help="print only the per-package table")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    if args.packages:
        print_packages(graph, args.top)
        return 0
    contract_id = args.contract or default_contract()
    levels = layer_levels(contracts()[contract_id])

    upward = upward_imports(graph, levels)
    print(f"Layers (contract {contract_id!r}, top first):")
    for line in contracts()[contract_id]["layers"]:
        print(f"    {line}")
    print(f"\nImports against the layer direction: {len(upward)} import statements "
          f"({sum(u.in_function for u in upward)} inside functions), "
          f"{len({(u.importer, u.imported) for u in upward})} module pairs")
    by_layers = Counter((layer_name(u.importer, levels), layer_name(u.imported, levels)) for u in upward)
    for (low, high), count in sorted(by_layers.items()):
        print(f"    {count:3}  {low} → {high}")
    for u in upward:
        where = "function" if u.in_function else "module top"
        print(f"         {u.importer.replace('.', '/')}.py:{u.line} → {u.imported}  ({where})")
    cycle = [(a, b) for a, b in (("booksync.bookings", "booksync.sync"), ("booksync.sync", "booksync.bookings"))
             if graph.direct_import_exists(importer=a, imported=b, as_packages=True)]
    print(f"\nbookings ⇄ sync cycle: {'yes' if len(cycle) == 2 else 'no'}")

    grep = subprocess.run(["grep", "-rn", r"booksync\.\(bookings\|sync\)", "booksync/integrations/"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    print(f'`grep -rn "booksync\\.\\(bookings\\|sync\\)" booksync/integrations/`: '
          f"{len(grep.stdout.splitlines())} lines")

    for package in LONG_FUNCTION_PACKAGES:
        found = [f for path in python_modules(ROOT / PACKAGE / package) for f in functions(path)]
        found.sort(key=lambda f: (-f.length, f.path, f.line))
        print(f"\nLongest functions in {package}/ (lines, def to last line):")
        for f in found[: args.top]:
            print(f"    {f.length:4}  {f.name}  ({f.path}:{f.line})")

    modules = python_modules(ROOT / PACKAGE)
    per_package = Counter(p.relative_to(ROOT / PACKAGE).parts[0] if len(p.relative_to(ROOT / PACKAGE).parts) > 1
                          else "(top level)" for p in modules)
    migrations = len([p for p in (ROOT / PACKAGE).rglob("migrations/*.py")])
    print(f"\nModules: {len(modules)} (migrations left out: {migrations})")
    for name, count in sorted(per_package.items()):
        print(f"    {count:3}  {name}")

    print_packages(graph, min(args.top, 3))

    if args.pyright:
        print(f"\npyright: {pyright_errors()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
