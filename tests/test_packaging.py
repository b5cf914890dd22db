"""Packaging: every library the code imports is declared, every module imports, the metadata holds.

`make` builds .venv from pyproject.toml and constraints.txt alone (from scratch whenever either
changes), so the import test runs where only the declared dependencies and what they need are
installed; the declaration test reads every module's imports with `ast`, so an import of a
package that merely happens to be installed (another package's dependency) fails here too.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    """'pandas>=2.2' → 'pandas'; names compared as PEP 503 normalises them."""
    return _normal(re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0])


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*extras: str) -> set[str]:
    project = PYPROJECT["project"]
    names = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        names |= {_name(r) for r in project["optional-dependencies"][extra]}
    return names


def _imports(folder: Path) -> dict[str, list[str]]:
    """Top-level module name → where it is imported ("path:line"), for absolute imports only."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _undeclared(folder: str, allowed: set[str], local: set[str]) -> list[str]:
    distributions = metadata.packages_distributions()
    problems = []
    for module, where in sorted(_imports(ROOT / folder).items()):
        if module in sys.stdlib_module_names or module in local:
            continue
        dists = {_normal(d) for d in distributions.get(module, [])}
        if not dists:
            problems.append(f"{module} (imported at {where[0]}) is not installed by any package")
        elif not dists & allowed:
            problems.append(f"{module} (imported at {where[0]}) comes from {', '.join(sorted(dists))}, "
                            "which pyproject.toml does not declare")
    return problems


def test_every_library_the_package_imports_is_declared() -> None:
    assert _undeclared("pipeline", _declared(), {"pipeline"}) == []


def test_every_library_the_tests_import_is_declared_for_them() -> None:
    # Some tests reuse a benchmark's loader (bench/dedupe_sets.py) from sys.path.
    bench = {path.stem for path in (ROOT / "bench").glob("*.py")}
    assert _undeclared("tests", _declared("dev"), {"pipeline", "tests", *bench}) == []


def test_the_check_finds_an_undeclared_import() -> None:
    # numpy and scipy were imported for months without being declared: without them the check fails.
    allowed = _declared() - {"numpy", "scipy"}
    problems = _undeclared("pipeline", allowed, {"pipeline"})
    assert any(p.startswith("numpy (imported at pipeline/") for p in problems)
    assert any(p.startswith("scipy (imported at pipeline/") for p in problems)


@pytest.mark.parametrize("module", sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "pipeline").rglob("*.py")))
def test_every_module_imports(module: str) -> None:
    assert importlib.import_module(module).__name__ == module


def test_license_is_an_spdx_expression_with_its_file() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the slr authors\n")
    assert metadata.metadata("slr-pipeline")["License-Expression"] == "MIT"


def test_citation_names_this_version() -> None:
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z-]+): (.+)$", cff, flags=re.MULTILINE))
    assert fields["cff-version"] == "1.2.0"
    assert fields["version"] == PYPROJECT["project"]["version"]
    assert fields["license"] == "MIT"
    assert fields["type"] == "software"
    assert fields["title"].startswith('"slr:')


@pytest.mark.parametrize("name", ["constraints.txt", "constraints-bench.txt"])
def test_constraints_pin_every_declared_dependency(name: str) -> None:
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            pins[_normal(package)] = version
    needed = _declared("dev", "bench") if "bench" in name else _declared("dev")
    assert sorted(needed - set(pins)) == []


def test_installed_versions_are_the_pinned_ones() -> None:
    # What `make` installed is what constraints.txt says: two analysts get the same versions.
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            pins[_normal(package)] = version
    if pins["pandas"] != metadata.version("pandas"):
        pytest.skip(f"this environment was not built by `make` from constraints.txt "
                    f"(pandas {metadata.version('pandas')}, pinned {pins['pandas']})")
    wrong = {name: (metadata.version(name), version) for name, version in pins.items()
             if _installed(name) and metadata.version(name) != version}
    assert wrong == {}


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True
