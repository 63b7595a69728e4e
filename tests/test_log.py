import subprocess
import sys
import textwrap
from pathlib import Path

# What a Snakemake script does: set up logging to the rule's log, then fail.
FAILING_SCRIPT = textwrap.dedent(
    """
    import sys
    import warnings
    from hullgen.log import setup

    log = setup(sys.argv[1])
    log.info("starting")
    warnings.warn("a deprecated thing", DeprecationWarning, stacklevel=1)

    def deep():
        raise ValueError("boom: row 42 is bad")

    deep()
    """
)


def _python(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_an_uncaught_exception_lands_in_the_log_with_its_traceback(tmp_path):
    log = tmp_path / "rule.log"
    proc = _python(FAILING_SCRIPT, str(log), cwd=tmp_path)
    assert proc.returncode != 0
    text = log.read_text()
    assert "starting" in text
    assert "Traceback (most recent call last)" in text, text
    assert "ValueError: boom: row 42 is bad" in text and "in deep" in text, text
    assert "DeprecationWarning: a deprecated thing" in text, text
    # The console (what Snakemake shows of a job) has one line: the error and where its
    # traceback is; a ValueError is a bug, said to be uncaught.
    assert "Traceback" not in proc.stderr, proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if "boom" in line]
    assert line.endswith(
        f"CRITICAL hullgen: uncaught ValueError: boom: row 42 is bad (traceback in {log})"
    ), line
    # The traceback was not lost to the console's formatting, whichever handler ran first.
    assert text.count("Traceback (most recent call last)") == 1


def test_bad_input_is_one_clear_line_on_the_console(tmp_path):
    """An expected error (a HullgenError: bad input) is said as itself, at ERROR level: no
    "uncaught", no traceback on the console; the traceback stays in the log."""
    code = textwrap.dedent(
        """
        import sys
        from hullgen.errors import DataFormatError
        from hullgen.log import setup

        setup(sys.argv[1])
        raise DataFormatError("data.npy: row 5 holds NaN")
        """
    )
    log = tmp_path / "rule.log"
    proc = _python(code, str(log), cwd=tmp_path)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if "row 5" in line]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].endswith(f"ERROR hullgen: data.npy: row 5 holds NaN (traceback in {log})")
    text = log.read_text()
    assert "ERROR hullgen: data.npy: row 5 holds NaN\nTraceback" in text, text


def test_a_second_setup_closes_the_first_log_file(tmp_path):
    code = textwrap.dedent(
        """
        import sys
        from hullgen.log import setup

        first = setup(sys.argv[1]).handlers[-1]
        setup(sys.argv[2]).info("second")
        assert first.stream is None, "first log file left open"
        raise RuntimeError("late failure")
        """
    )
    one, two = tmp_path / "one.log", tmp_path / "two.log"
    proc = _python(code, str(one), str(two), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "late failure" not in one.read_text()
    assert "second" in two.read_text() and "RuntimeError: late failure" in two.read_text()


def test_without_a_log_file_exceptions_are_left_alone(tmp_path):
    code = "from hullgen.log import setup\nsetup()\nraise KeyError('plain')\n"
    proc = _python(code, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.count("Traceback") == 1 and "KeyError: 'plain'" in proc.stderr
