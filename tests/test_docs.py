"""DESIGN.md stays true to the code: every module of pipeline/ has a row in its table."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_pipeline_module_is_in_the_design_table():
    design = (ROOT / "DESIGN.md").read_text(encoding="utf-8")
    missing = []
    for path in sorted((ROOT / "pipeline").glob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        if f"`pipeline/{path.name}`" not in design and f"`{path.name}`" not in design:
            missing.append(path.name)
    for package in sorted(p for p in (ROOT / "pipeline").iterdir() if (p / "__init__.py").exists()):
        if f"pipeline/{package.name}" not in design:
            missing.append(package.name + "/")
    assert missing == [], f"add a row to DESIGN.md for: {missing}"
