"""The smoke run of every benchmark module (correctness only: no timing assertions), and the
runner's reporting rules (caps, missing peers, failed checks, the written tables)."""

from __future__ import annotations

import csv
import importlib
import time

import pytest

from benchmarks import run as bench_run
from benchmarks._harness import Case

MODULES = bench_run.discover()

OK_PEER = {"", "ok", "peer not installed", "not run (cap)"}  # smoke peers run uncapped


def test_every_benchmark_module_is_discovered():
    assert {"bench_foundation", "bench_memory_bandwidth", "bench_scale"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_smoke_cases_run_and_agree_with_the_peer(name):
    mod = importlib.import_module(f"benchmarks.{name}")
    results = [bench_run.run_case(c, name, peer_cap_seconds=None, trace=False, sample_rss=False, max_runs=1)
               for c in bench_run._cases(mod, True, None)]
    assert results, f"{name}.cases(smoke=True) returned no case"
    for r in results:
        assert not r.error, f"{name} / {r.case}: {r.error}"
        assert r.ours_s > 0
        assert r.peer_status in OK_PEER, f"{name} / {r.case}: {r.peer_status}"
        assert not r.check.startswith("FAILED"), f"{name} / {r.case}: {r.check}"
        if r.peer_status == "ok":
            assert r.peer_s > 0


def _case(**kw) -> Case:
    base = dict(name="toy", size=10, unit="customers", ours=lambda: 1.0)
    base.update(kw)
    return Case(**base)


def test_peer_above_its_size_cap_is_reported_not_skipped():
    r = bench_run.run_case(_case(peer=lambda: 1.0, peer_name="p", peer_max_size=5), "m",
                           trace=False, max_runs=1)
    assert r.peer_status == "not run (cap)" and r.row()["peer_status"] == "not run (cap)"


_FORK_SCRIPT = r"""
import json, sys, time
from benchmarks import run as R
from benchmarks._harness import Case

def check(ours, peer):
    assert ours == peer

slow = R.run_case(Case("toy", 10, "customers", lambda: 1.0, lambda: time.sleep(30), "slow"),
                  "m", trace=False, peer_cap_seconds=0.2, peer_grace_seconds=0.3, max_runs=1)
fast = R.run_case(Case("toy", 10, "customers", lambda: 1.0, lambda: 1.0, "p", check=check),
                  "m", trace=False, peer_cap_seconds=20, max_runs=1)
print(json.dumps([slow.peer_status, fast.peer_status, fast.check, fast.ratio > 0]))
"""


def test_forked_peer_is_stopped_at_the_time_cap_or_timed_and_checked():
    # a fresh interpreter: forking is only safe before numba's OpenMP pool starts, and
    # other tests in this worker may have started it
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(bench_run.__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _FORK_SCRIPT], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    slow, fast, check, ratio_ok = json.loads(out.stdout.strip().splitlines()[-1])
    assert slow == "not run (cap: > 0.2 s)"
    assert (fast, check, ratio_ok) == ("ok", "passed", True)
    assert time.perf_counter() - t0 < 60


def test_in_process_peer_over_the_cap_is_reported_with_its_time(monkeypatch):
    monkeypatch.setattr(bench_run, "_fork_is_safe", lambda: False)
    r = bench_run.run_case(_case(peer=lambda: time.sleep(0.3), peer_name="slow"), "m",
                           trace=False, peer_cap_seconds=0.1, max_runs=1)
    assert r.peer_status.startswith("over cap (") and r.peer_s >= 0.3


def test_missing_peer_package_and_failed_check_are_reported():
    def peer():
        import custvalue_no_such_peer_package  # noqa: F401
    r = bench_run.run_case(_case(peer=peer, peer_name="ghost"), "m", trace=False, max_runs=1)
    assert r.peer_status == "peer not installed"
    r = bench_run.run_case(_case(peer=None, peer_name="ghost"), "m", trace=False, max_runs=1)
    assert r.peer_status == "peer not installed"

    def bad(ours, peer):
        assert ours == peer, "values differ"
    r = bench_run.run_case(_case(peer=lambda: 2.0, peer_name="p", check=bad), "m", trace=False, max_runs=1)
    assert r.check == "FAILED: values differ"


def test_failing_ours_is_a_row_not_a_crash():
    def boom():
        raise RuntimeError("kaput")
    r = bench_run.run_case(_case(ours=boom, peer=lambda: 1.0, peer_name="p"), "m", trace=False, max_runs=1)
    assert "kaput" in r.error and r.peer_status == "not run (ours failed)"


def test_tables_are_written_and_rows_merged(tmp_path):
    machine = {"CPU": "test cpu"}
    a = bench_run.run_case(_case(name="a", extra={"bytes": 80}), "m", trace=True, max_runs=1)
    bench_run.write_results([a], tmp_path, machine=machine)
    b = bench_run.run_case(_case(name="b", peer=lambda: 1.0, peer_name="p"), "m", trace=False, max_runs=1)
    bench_run.write_results([b], tmp_path, machine=machine)
    with (tmp_path / "results.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["case"] for r in rows] == ["a", "b"]
    assert set(bench_run.COLUMNS) == set(rows[0])
    assert "GB/s=" in rows[0]["notes"] and float(rows[0]["peak_traced_mib"]) >= 0
    assert float(rows[1]["ratio"]) > 0
    md = (tmp_path / "results.md").read_text()
    assert "test cpu" in md and "| m | b |" in md


def test_machine_description_names_cpu_cores_ram_and_versions():
    d = bench_run.machine_description()
    for key in ("CPU", "cores (usable)", "RAM", "numpy", "pandas", "lifetimes"):
        assert d[key]


def test_a_failing_traced_run_keeps_the_timing(tmp_path):
    calls = []

    def ours():
        calls.append(1)
        if len(calls) > 1:
            raise MemoryError("no room for a second copy")
        return 1.0
    r = bench_run.run_case(_case(ours=ours), "m", trace=True, max_runs=1)
    assert r.ours_s > 0 and "traced run failed: MemoryError" in r.error


def test_a_module_failure_row_is_dropped_when_the_module_runs_again(tmp_path):
    broken = bench_run.CaseResult(module="m", case="(module)", size=0, unit="",
                                  peer_status="module failed", error="ImportError: x")
    bench_run.write_results([broken], tmp_path, machine={"CPU": "c"})
    ok = bench_run.run_case(_case(name="a"), "m", trace=False, max_runs=1)
    bench_run.write_results([ok], tmp_path, machine={"CPU": "c"})
    with (tmp_path / "results.csv").open() as f:
        assert [r["case"] for r in csv.DictReader(f)] == ["a"]
