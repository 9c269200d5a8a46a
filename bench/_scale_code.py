"""Which code bench/scale.py measures: by default the committed `src/` of HEAD, exported to a
temporary folder and put first on PYTHONPATH (this process and every worker it starts), so a
checkout that others are editing meanwhile cannot break or change a run. Standard library
only: it runs before anything of inboxsync is imported."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MARK = "BENCH_SCALE_SRC"


def pin_code(root: Path) -> str:  # noqa: RET503 (os.execv does not return)
    """Re-run this script on HEAD's `src/` unless `--worktree` is given or it already runs
    so; returns what runs ("worktree" or the commit)."""
    if "--worktree" in sys.argv:
        return "worktree"
    pinned = os.environ.get(MARK)
    if pinned:
        folder = Path(pinned)
        atexit.register(shutil.rmtree, folder.parent, True)
        return (folder.parent / "commit").read_text().strip()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="inboxsync-bench-scale-src-"))
    archive = subprocess.run(
        ["git", "archive", "HEAD", "src"], cwd=root, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "commit").write_text(commit)
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(folder / "src"), *filter(None, [inherited])])
    os.environ[MARK] = str(folder / "src")
    os.execv(sys.executable, [sys.executable, *sys.argv])
