"""The layering holds: contracts checked by import-linter, and no private name imported across packages."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cms", "sites", "themes")


def test_imports_point_one_way_with_no_circles():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.skip("import-linter is not installed (it comes with the `test` extra: pip install -e '.[test]')")
    done = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "One-way layers KEPT" in done.stdout and "No import circles between sibling modules KEPT" in done.stdout


def _ruff() -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the `test` extra: pip install -e '.[test]')")
    return ruff


def test_the_code_passes_ruffs_lint_rules():
    done = subprocess.run([_ruff(), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:]


def test_the_code_is_formatted_as_ruff_formats_it():
    done = subprocess.run(
        [_ruff(), "format", "--check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-4000:]


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "cms" and len(parts) > 1 else parts[0]


def test_no_module_imports_a_private_name_of_another_package():
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if not node.module.startswith(PACKAGES) or _package_of(node.module) == _package_of(module):
                    continue
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                if private or any(
                    part.startswith("_") and not part.startswith("__") for part in node.module.split(".")
                ):
                    offenders.append(f"{module}: from {node.module} import {', '.join(a.name for a in node.names)}")
    assert offenders == []
