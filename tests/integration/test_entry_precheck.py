"""Cache entries checked in a separate interpreter ahead of an install (``EntryPrecheck``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.dist import entry_check, unpack
from pipcompat.dist.prepare import EntryPrecheck, whole_entries
from pipcompat.dist.unpack import unpack_wheel
from tests.support.packages import PackageSpec, build_wheel

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: no entry checked or accepted yet."""
    monkeypatch.setattr(unpack, "_verified", {})
    monkeypatch.setattr(unpack, "_prechecked", set())


def _entries(tmp_path: Path) -> tuple[Cache, dict[str, Path], dict[str, Path]]:
    cache = Cache(tmp_path / "cache")
    wheels, roots = {}, {}
    for name in ("good", "edited", "gone"):
        files = {f"{name}/m{i}.py": f"N = {i}\n" for i in range(20)}
        wheels[name] = build_wheel(PackageSpec(name, "1.0", files=files), tmp_path / "wheels")
        roots[name] = unpack_wheel(wheels[name], cache).root
    edited = roots["edited"] / "tree" / "edited" / "m3.py"
    os.chmod(edited, 0o644)
    time.sleep(0.01)
    edited.write_text("N = 'changed'\n")
    (roots["gone"] / "tree" / "gone" / "m7.py").unlink()
    unpack._verified.clear()  # made by this process: checked again from here on, as in a new process
    return cache, wheels, roots


def test_the_check_script_names_what_is_wrong_with_each_entry(tmp_path: Path) -> None:
    _cache, _wheels, roots = _entries(tmp_path)
    nowhere = tmp_path / "no-such-entry"
    done = subprocess.run(
        [sys.executable, "-I", "-S", entry_check.__file__, *map(str, [*roots.values(), nowhere])],
        capture_output=True,
        text=True,
        check=True,
    )
    answers = dict(json.loads(line) for line in done.stdout.splitlines())
    assert answers[str(roots["good"])] is None
    assert answers[str(roots["edited"])] == "edited/m3.py has changed size"
    assert answers[str(roots["gone"])] == "gone/m7.py is missing"
    assert answers[str(nowhere)] == "its manifest is unreadable (FileNotFoundError)"


def test_only_whole_entries_are_accepted_and_damaged_ones_are_still_unpacked_again(tmp_path: Path) -> None:
    cache, wheels, roots = _entries(tmp_path)
    precheck = EntryPrecheck(list(roots.values()))
    assert precheck.collect() == 1
    assert unpack._prechecked == {roots["good"]}
    for name in ("edited", "gone"):
        entry = unpack_wheel(wheels[name], cache)
        assert entry.root == roots[name]
        for i in range(20):
            assert (entry.tree / name / f"m{i}.py").read_text() == f"N = {i}\n"
    assert unpack_wheel(wheels["good"], cache).root == roots["good"]


def test_answers_are_taken_line_by_line_and_an_unfinished_line_says_nothing() -> None:
    roots = ["/c/a", "/c/b", "/c/c", "/c/d"]
    output = (
        b'["/c/a", null]\n'
        b'["/c/b", "b/x.py is missing"]\n'
        b"not json\n"
        b'["/elsewhere", null]\n'
        b'["/c/d", null]\n'
        b'["/c/c", nu'
    )
    assert whole_entries(output, roots) == [Path("/c/a"), Path("/c/d")]
    assert whole_entries(b"", roots) == []


def test_a_precheck_that_is_late_accepts_nothing_and_leaves_no_process(tmp_path: Path) -> None:
    _cache, _wheels, roots = _entries(tmp_path)
    precheck = EntryPrecheck(list(roots.values()))
    process = precheck._process
    assert process is not None
    assert precheck.collect(timeout=0) == 0
    assert process.returncode == -signal.SIGKILL  # stopped, not finished
    assert unpack._prechecked == set()


def test_leaving_a_precheck_that_was_never_collected_stops_it(tmp_path: Path) -> None:
    _cache, _wheels, roots = _entries(tmp_path)
    with EntryPrecheck(list(roots.values()) * 200) as precheck:
        process = precheck._process
        assert process is not None
    assert process.returncode == -signal.SIGKILL  # stopped, not finished
    assert precheck.collect() == 0
    assert unpack._prechecked == set()
