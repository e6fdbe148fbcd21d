"""Transactions: a failure (even Ctrl-C) midway restores every file; success leaves no stash behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipcompat.install.link import link_file, link_tree
from pipcompat.install.transaction import STASH_PREFIX, Transaction
from pipcompat.install.uninstall import compact, for_removal


def _snapshot(root: Path) -> dict[str, bytes | None]:
    found: dict[str, bytes | None] = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(directory, name), root)] = None
        for name in files:
            path = Path(directory, name)
            found[os.path.relpath(path, root)] = path.read_bytes()
    return found


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("old")
    (root / "pkg" / "mod.py").write_text("old mod")
    (root / "pkg-1.0.dist-info").mkdir()
    (root / "pkg-1.0.dist-info" / "RECORD").write_text("")
    return root


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_replacing_then_failing_restores_the_old_files(site: Path, error: BaseException) -> None:
    before = _snapshot(site)
    with pytest.raises(type(error)), Transaction() as txn:
        txn.stash(site / "pkg")
        txn.stash(site / "pkg-1.0.dist-info")
        new = site / "pkg" / "__init__.py"
        txn.prepare_target(new)
        new.write_text("new")
        txn.created(new)
        raise error
    assert _snapshot(site) == before


def test_commit_removes_the_stash(site: Path) -> None:
    with Transaction() as txn:
        txn.stash(site / "pkg")
    assert not (site / "pkg").exists()
    assert not [p for p in site.iterdir() if p.name.startswith(STASH_PREFIX)]


def test_overwritten_files_come_back_on_rollback(site: Path) -> None:
    before = _snapshot(site)
    txn = Transaction()
    target = site / "pkg" / "mod.py"
    txn.prepare_target(target)
    target.write_text("clobbered")
    txn.created(target)
    txn.rollback()
    assert _snapshot(site) == before


def test_link_tree_hardlinks_and_copies(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "f.txt").write_text("data")
    linked = link_tree(src, tmp_path / "hard", "hardlink")
    copied = link_tree(src, tmp_path / "copy", "copy")
    original = (src / "a" / "b" / "f.txt").stat().st_ino
    assert linked[0].stat().st_ino == original
    assert copied[0].stat().st_ino != original and copied[0].read_text() == "data"
    assert link_file(src / "a" / "b" / "f.txt", tmp_path / "sym.txt", "symlink") == "symlink"
    assert (tmp_path / "sym.txt").is_symlink()


def test_compact_and_removal_sets(tmp_path: Path) -> None:
    sep = os.sep
    assert compact([f"a{sep}*", f"a{sep}b.py", f"c{sep}d"]) == {f"a{sep}*", f"c{sep}d"}
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "x.py").write_text("")
    (pkg / "y.py").write_text("")
    assert for_removal([str(pkg / "x.py"), str(pkg / "y.py")]) == {str(pkg)}
    assert for_removal([str(pkg / "x.py")]) == {str(pkg / "x.py")}


def _batch(txn: Transaction, source: Path, site: Path, mode: str = "hardlink") -> list[str]:
    from pipcompat.install.link import link_many

    relatives = ["new/a.py", "new/sub/b.py", "pkg/extra.py"]
    for relative in relatives:
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text(relative)
    txn.make_new_dirs([str(site / "new"), str(site / "new" / "sub")])
    targets = [str(site / r) for r in relatives]
    txn.will_create(targets)
    kinds, in_the_way = link_many(str(source), str(site), relatives, mode)  # type: ignore[arg-type]
    txn.created_many(targets)
    assert sum(kinds.values()) == 3 and not in_the_way
    return relatives


def test_a_killed_batch_is_undone_by_the_next_command(site: Path, tmp_path: Path) -> None:
    from pipcompat.install.transaction import JOURNAL_NAME, recover_interrupted

    before = _snapshot(site)
    txn = Transaction(site / JOURNAL_NAME)
    _batch(txn, tmp_path / "src", site)
    assert (site / "new" / "sub" / "b.py").read_text() == "new/sub/b.py"
    # The process dies here: neither commit nor rollback runs; the next command finds the journal.
    assert recover_interrupted(site) == 1
    assert _snapshot(site) == before
    txn.done = True


@pytest.mark.parametrize("mode", ["hardlink", "copy"])
def test_a_failed_batch_rolls_back(site: Path, tmp_path: Path, mode: str) -> None:
    before = _snapshot(site)
    with pytest.raises(RuntimeError), Transaction() as txn:
        _batch(txn, tmp_path / "src", site, mode)
        raise RuntimeError("boom")
    assert _snapshot(site) == before


def test_link_many_leaves_files_in_the_way_to_the_caller(site: Path, tmp_path: Path) -> None:
    from pipcompat.install.link import link_many

    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "mod.py").write_text("new mod")
    for mode in ("hardlink", "copy"):
        _kinds, in_the_way = link_many(str(tmp_path / "src"), str(site), ["pkg/mod.py"], mode)  # type: ignore[arg-type]
        assert in_the_way == ["pkg/mod.py"]
        assert (site / "pkg" / "mod.py").read_text() == "old mod"
