"""ruff passes on the package, the tests, the benchmarks, the tools and the docs' Python files.

CI runs only the test command, so the lint runs here. ruff is installed by the project's
``test`` extra; the rules and the per-file exceptions are in ``pyproject.toml`` (``[tool.ruff]``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ["custvalue", "tests", "benchmarks", "tools", "docs"]


def test_ruff_check_passes():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                           *TARGETS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"ruff check failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"


def test_ruff_reads_the_project_configuration():
    """The rules in pyproject.toml are the ones applied: a line over 120 characters in a new file
    is reported, one of 120 is not."""
    code = "x = 1\n" + "y = '" + "a" * 114 + "'\n"  # 120 characters
    long = code + "z = '" + "a" * 115 + "'\n"  # 121 characters
    ok = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--stdin-filename",
                         "custvalue/_new_module.py", "-"], cwd=ROOT, input=code, capture_output=True, text=True,
                        timeout=60)
    bad = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--stdin-filename",
                          "custvalue/_new_module.py", "-"], cwd=ROOT, input=long, capture_output=True, text=True,
                         timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert bad.returncode == 1 and "E501" in bad.stdout, bad.stdout + bad.stderr
