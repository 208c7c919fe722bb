"""DESIGN.md and README.md stay true to the code: every module of pipeline/ is in the design table,
no row names a module that does not exist, and every CLI command and option is in the README."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.cli import build_parser

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


def test_every_module_of_a_package_and_no_missing_module_is_named():
    design = (ROOT / "DESIGN.md").read_text(encoding="utf-8")
    for package in sorted(p for p in (ROOT / "pipeline").iterdir() if (p / "__init__.py").exists()):
        for path in sorted(package.glob("*.py")):
            if path.name != "__init__.py":
                assert f"`{path.name}`" in design or f"{package.name}/{path.name}" in design, path
    for name in re.findall(r"`pipeline/([\w/]+\.py)`", design):
        assert (ROOT / "pipeline" / name).exists(), f"DESIGN.md names pipeline/{name}, which does not exist"


def test_every_cli_command_and_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme[readme.index("## Commands"):]
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, cmd in sub.choices.items():
        assert f"python -m pipeline {name}" in commands, name
        for action in cmd._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help":
                    assert opt in commands, f"{name} {opt} is not in the README's Commands section"
