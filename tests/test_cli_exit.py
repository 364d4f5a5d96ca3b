"""The command line's exit without Python's teardown (cli.exit_without_teardown): everything a
stage wrote reaches its files and streams, its exit status is kept, and it still waits for a
running thread and lets a profiler write its statistics."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def run_child(tmp_path: Path, body: str, *launcher: str) -> subprocess.CompletedProcess:
    """Run ``body`` as a script in a new Python process with the package importable."""
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {SRC!r})
        from pathlib import Path
        from rlp_pipeline.cli import configure_logging, exit_without_teardown, log
        out = Path({str(tmp_path)!r})
    """) + textwrap.dedent(body), encoding="utf-8")
    return subprocess.run([sys.executable, *launcher, str(script)], capture_output=True, text=True, timeout=120)


def test_streams_log_file_and_atexit_handlers_are_complete_and_the_status_kept(tmp_path):
    result = run_child(tmp_path, """
        import atexit
        configure_logging(out / "stage.log", quiet=False)
        log.info("last message of the stage")
        sys.stdout.write("no newline, still buffered")
        atexit.register(lambda: (out / "atexit.txt").write_text("ran", encoding="utf-8"))
        exit_without_teardown(3)
        (out / "after.txt").write_text("must not run", encoding="utf-8")
    """)
    assert result.returncode == 3
    assert result.stdout == "no newline, still buffered"
    assert "last message of the stage" in result.stderr
    assert "last message of the stage" in (tmp_path / "stage.log").read_text(encoding="utf-8")
    assert (tmp_path / "atexit.txt").read_text(encoding="utf-8") == "ran"
    assert not (tmp_path / "after.txt").exists()


def test_waits_for_a_thread_that_is_still_running(tmp_path):
    result = run_child(tmp_path, """
        import threading, time
        def late_writer():
            time.sleep(0.5)
            (out / "thread.txt").write_text("written", encoding="utf-8")
        threading.Thread(target=late_writer).start()
        exit_without_teardown(0)
    """)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "thread.txt").read_text(encoding="utf-8") == "written"


def test_a_profiler_still_writes_its_statistics(tmp_path):
    statistics = tmp_path / "profile.out"
    result = run_child(tmp_path, """
        sum(range(1000))
        exit_without_teardown(0)
    """, "-m", "cProfile", "-o", str(statistics))
    assert result.returncode == 0, result.stderr
    assert statistics.stat().st_size > 0


def test_the_command_line_exits_with_its_status(tmp_path):
    """`python -m rlp_pipeline` on a missing input: exit status 1 and the message, through the
    fast exit (no traceback)."""
    result = subprocess.run([sys.executable, "-m", "rlp_pipeline", "figures-index", "--figures", str(tmp_path / "none")],
                            capture_output=True, text=True, timeout=120, env={"PYTHONPATH": SRC, "PATH": ""})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
