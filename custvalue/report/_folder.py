"""The output folder: checked before any work, written whole or not at all.

The report is written into a hidden temporary sibling of the output folder and renamed into
place at the end, with SIGINT and SIGTERM held back during the two renames; on an error or
an interruption before that, the temporary folder is removed. The output folder therefore
holds either the previous complete report or the new complete one, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from ..exceptions import ReportInputError

#: Files a report folder may hold (what :func:`custvalue.report.run_report` and
#: ``tools/browser_check.py`` write); a folder holding anything else is never replaced.
REPORT_FILES = frozenset({"report.html", "scores.csv", "params.csv", "model_comparison.csv", "winback.csv",
                          "tiers.csv", "report.png"})


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists():
        if p.parent == p:
            break
        p = p.parent
    return p


def check_output(output: Path, *, force: bool) -> None:
    """Refuse an existing report without ``force``, a folder that is not a report, a file, or
    a place that cannot be written; nothing is created (a probe folder is made and removed)."""
    if output.exists() or output.is_symlink():
        if not output.is_dir():
            raise ReportInputError(f"output {str(output)!r} exists and is not a folder; choose another --output.")
        entries = sorted(p.name for p in output.iterdir())
        if entries:
            foreign = [e for e in entries if e not in REPORT_FILES]
            if foreign:
                raise ReportInputError(
                    f"output folder {str(output)!r} holds files that are not part of a custvalue report "
                    f"({foreign[:5]}); it is never replaced, even with --force: choose another --output.")
            if not force:
                raise ReportInputError(
                    f"output folder {str(output)!r} already holds a report ({', '.join(entries)}); pass "
                    "--force (force=True) to replace it, or choose another --output. Nothing was written.")
    base = _nearest_existing(output.parent if output.parent != output else output)
    if not base.is_dir():
        raise ReportInputError(f"cannot write the report under {str(base)!r}: it is not a folder; "
                               "choose another --output.")
    try:
        probe = tempfile.mkdtemp(dir=base, prefix=".custvalue-write-check-")
        os.rmdir(probe)
    except OSError as exc:
        raise ReportInputError(f"cannot write the report under {str(base)!r}: {exc.strerror or exc}; "
                               "choose another --output.") from None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (main thread only) while the folders are swapped."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def staged_folder(output: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``output``; on success it replaces ``output``.

    On any exception (including KeyboardInterrupt) the temporary folder and any parent
    folders created for it are removed and ``output`` is left as it was.
    """
    created = []
    p = output.parent
    while not p.exists():
        created.append(p)
        p = p.parent
    tmp = None
    try:
        for parent in reversed(created):
            parent.mkdir()
        tmp = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.partial-"))
        yield tmp
        with _signals_held():
            old = None
            if output.exists():
                old = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.old-"))
                os.rename(output, old / "report")
            try:
                os.rename(tmp, output)
            except OSError:
                if old is not None:
                    os.rename(old / "report", output)
                    old.rmdir()
                raise
            tmp = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for parent in created:  # innermost first
            with contextlib.suppress(OSError):
                parent.rmdir()
        raise
