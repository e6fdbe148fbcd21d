"""``pipcompat pip install`` when things go wrong: killed midway, a damaged cache, hostile wheels, a cache
on another filesystem, two installs into one environment at once.

Everything runs the real command (``pipcompat pip --python <venv> install``) against a real local index
into real venvs, and the result is read back with the real pip.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from pipcompat.cache import Cache
from pipcompat.cache.manage import iter_entries
from tests.support.context import TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

BIG_FILES = 3000


def big_files(version: str) -> dict[str, str]:
    return {f"big/m{i:04d}.py": f"VERSION = {version!r}\nINDEX = {i}\n" for i in range(BIG_FILES)}


SPECS = [
    PackageSpec("app", "1.0", deps=["lib>=1", "util"], console_scripts={"app": "app:main"}),
    PackageSpec("lib", "1.0"),
    PackageSpec("lib", "2.0"),
    PackageSpec("util", "1.0"),
    PackageSpec("util", "1.1"),
    PackageSpec("big", "1.0", files={"big/__init__.py": "VERSION = '1.0'\n", **big_files("1.0")}),
    PackageSpec("big", "2.0", files={"big/__init__.py": "VERSION = '2.0'\n", **big_files("2.0")}),
]


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server(SPECS)


def install_args(venv: Path, server: IndexServer, *args: str | Path) -> tuple[str | Path, ...]:
    return ("pip", "--python", venv_python(venv), "install", "--index-url", server.url, *args)


def start(ctx: TestContext, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ctx.command(*args),
        cwd=ctx.temp_dir,
        env=ctx.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def freeze(ctx: TestContext, venv: Path) -> list[str]:
    result = ctx.run_pip("--python", venv_python(venv), "freeze", "--all").assert_success()
    return [line for line in result.stdout.splitlines() if line and not line.startswith("pip==")]


def site_packages(venv: Path) -> Path:
    return next(venv.glob("lib/python*/site-packages"))


def assert_consistent(ctx: TestContext, venv: Path) -> None:
    """Every dist-info has a RECORD whose files exist; no leftovers of a transaction; pip check is clean."""
    site = site_packages(venv)
    for info in site.glob("*.dist-info"):
        record = info / "RECORD"
        assert record.is_file(), f"half-installed: {info.name} has no RECORD"
        for line in record.read_text(encoding="utf-8").splitlines():
            path = line.rsplit(",", 2)[0]
            assert (site / path).exists(), f"{info.name}: {path} is in RECORD but missing"
    leftovers = [p.name for p in site.rglob(".pipcompat*")]
    assert leftovers == []
    ctx.run_pip("--python", venv_python(venv), "check").assert_success()


def archive_entries(cache_dir: Path) -> list[Path]:
    return [e for e in iter_entries(Cache(cache_dir).bucket("archives")) if (e / "manifest.json").is_file()]


def entry_of(cache_dir: Path, wheel_prefix: str) -> Path:
    for entry in archive_entries(cache_dir):
        data = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        if data["wheel"].startswith(wheel_prefix):
            return entry
    raise AssertionError(f"no cache entry for {wheel_prefix}")


# -- killed midway -------------------------------------------------------------------------------------


def kill_when(proc: subprocess.Popen[str], ready: object, timeout: float = 120) -> bool:
    """SIGKILL *proc* as soon as ``ready()`` is true; False when it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():  # type: ignore[operator]
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            return True
    proc.kill()
    proc.communicate(timeout=60)
    raise AssertionError("the install neither finished nor reached the point to kill it")


@pytest.mark.slow
def test_an_install_killed_while_linking_leaves_a_venv_the_next_run_restores(
    ctx: TestContext, server: IndexServer
) -> None:
    venv = ctx.make_venv()
    ctx.run(*install_args(venv, server, "big==1.0", "util==1.0")).assert_success()
    before = freeze(ctx, venv)
    site = site_packages(venv)
    # upgrade: big 1.0's files are stashed while big 2.0's are linked; kill in between
    proc = start(ctx, *install_args(venv, server, "big==2.0", "util==1.1", "app"))
    killed = kill_when(proc, lambda: any(site.glob("big-2.0.dist-info")) or any(site.glob(".pipcompat-*")))
    if not killed:
        pytest.skip("the install finished before it could be killed")
    # the next run recovers first: the venv is as it was before the killed run
    ctx.run("pip", "--python", venv_python(venv), "list", "--format", "freeze").assert_success()
    again = ctx.run(*install_args(venv, server, "big==2.0", "util==1.1", "app")).assert_success()
    assert "Traceback" not in again.stderr
    assert freeze(ctx, venv) == ["app==1.0", "big==2.0", "lib==2.0", "util==1.1"]
    assert_consistent(ctx, venv)
    done = ctx.run_cmd(
        [venv_python(venv), "-c", "import big, big.m2999; print(big.VERSION, big.m2999.VERSION)"]
    )
    assert done.assert_success().stdout.split() == ["2.0", "2.0"]
    assert before == ["big==1.0", "util==1.0"]


@pytest.mark.slow
def test_a_killed_install_is_rolled_back_by_the_next_command(ctx: TestContext, server: IndexServer) -> None:
    venv = ctx.make_venv()
    ctx.run(*install_args(venv, server, "big==1.0")).assert_success()
    site = site_packages(venv)
    proc = start(ctx, *install_args(venv, server, "big==2.0"))
    killed = kill_when(proc, lambda: any(site.glob("big-2.0.dist-info")) or any(site.glob(".pipcompat-*")))
    if not killed:
        pytest.skip("the install finished before it could be killed")
    # an install of something else first recovers the killed one: big 1.0 is back, whole
    ctx.run(*install_args(venv, server, "util==1.0")).assert_success()
    assert freeze(ctx, venv) == ["big==1.0", "util==1.0"]
    assert_consistent(ctx, venv)
    done = ctx.run_cmd([venv_python(venv), "-c", "import big.m2999 as m; print(m.VERSION)"])
    assert done.assert_success().stdout.strip() == "1.0"


def wheel_downloads(server: IndexServer) -> int:
    """How many wheels the server has been asked for (whole files, not metadata or ranges)."""
    return sum(
        1
        for r in server.requests
        if r.method == "GET" and r.path.endswith(".whl") and "Range" not in r.headers
    )


@pytest.mark.slow
def test_an_install_killed_while_downloading_leaves_no_entry_later_installs_trust(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server(SPECS, slow=0.3, fault_paths=["/files/"])
    venv = ctx.make_venv()
    proc = start(ctx, *install_args(venv, server, "app", "big==1.0"))
    # small wheels download into memory: the download is on its way once the server has been asked for one
    killed = kill_when(proc, lambda: wheel_downloads(server) > 0)
    assert killed
    assert freeze(ctx, venv) == []
    for entry in archive_entries(ctx.cache_dir):
        manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        for path, _digest, size, *_rest in manifest["files"]:
            assert (entry / "tree" / path).stat().st_size == size
    server.slow = 0
    ctx.run(*install_args(venv, server, "app", "big==1.0")).assert_success()
    assert freeze(ctx, venv) == ["app==1.0", "big==1.0", "lib==2.0", "util==1.1"]
    assert_consistent(ctx, venv)
    ctx.run("cache", "prune").assert_success()


@pytest.mark.slow
def test_an_install_killed_after_some_wheels_were_linked_is_rolled_back_by_the_next_command(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    # wheels are linked as soon as each is ready: util is in the venv while big still downloads
    server = index_server(SPECS)
    venv = ctx.make_venv()
    ctx.run(*install_args(venv, server, "lib==1.0")).assert_success()
    server.slow = 10  # under the client's read timeout
    server.fault_paths = {"/files/big-2.0"}
    site = site_packages(venv)
    proc = start(ctx, *install_args(venv, server, "big==2.0", "util==1.1"))
    killed = kill_when(proc, lambda: any(site.glob("util-1.1.dist-info/RECORD")))
    assert killed, proc.stderr.read() if proc.stderr else ""
    server.slow = 0
    ctx.run("pip", "--python", venv_python(venv), "list", "--format", "freeze").assert_success()
    assert freeze(ctx, venv) == ["lib==1.0"]
    assert_consistent(ctx, venv)


@pytest.mark.slow
def test_an_upgrade_keeps_the_old_versions_in_place_until_every_wheel_is_ready(
    ctx: TestContext, index_server: IndexServerFactory
) -> None:
    server = index_server(SPECS)
    venv = ctx.make_venv()
    ctx.run(*install_args(venv, server, "big==1.0", "util==1.0")).assert_success()
    server.slow = 8  # under the client's read timeout
    server.fault_paths = {"/files/big-2.0"}
    site = site_packages(venv)
    proc = start(ctx, *install_args(venv, server, "big==2.0", "util==1.1"))
    deadline = time.monotonic() + 120
    while wheel_downloads(server) == 0:  # the downloads have started
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(2)  # util 1.1 is ready by now; big 2.0 is still on its way
    during = sorted(p.name for p in site.glob("*.dist-info"))
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert during == ["big-1.0.dist-info", "util-1.0.dist-info"]
    assert freeze(ctx, venv) == ["big==2.0", "util==1.1"]


# -- a corrupt cache entry -----------------------------------------------------------------------------


def warm(ctx: TestContext, server: IndexServer) -> Path:
    first = ctx.make_venv("first")
    ctx.run(*install_args(first, server, "lib==2.0")).assert_success()
    return entry_of(ctx.cache_dir, "lib-2.0-")


@pytest.mark.parametrize("damage", ["modified", "same-size", "deleted", "truncated-manifest", "no-tree"])
def test_a_damaged_cache_entry_is_detected_and_unpacked_again(
    ctx: TestContext, server: IndexServer, damage: str
) -> None:
    entry = warm(ctx, server)
    module = entry / "tree" / "lib" / "__init__.py"
    good = module.read_bytes()
    if damage == "modified":
        os.chmod(module, 0o644)
        module.write_bytes(good + b"raise SystemExit('corrupt')\n")
    elif damage == "same-size":
        os.chmod(module, 0o644)
        time.sleep(0.01)
        module.write_bytes(b"#" * len(good))
    elif damage == "deleted":
        module.unlink()
    elif damage == "truncated-manifest":
        manifest = entry / "manifest.json"
        manifest.write_bytes(manifest.read_bytes()[:20])
    else:
        import shutil

        shutil.rmtree(entry / "tree")
    venv = ctx.make_venv("second")
    result = ctx.run(*install_args(venv, server, "lib==2.0"))
    result.assert_success()
    assert "Traceback" not in result.stderr
    installed = next(site_packages(venv).glob("lib/__init__.py"))
    assert installed.read_bytes() == good
    assert freeze(ctx, venv) == ["lib==2.0"]
    assert_consistent(ctx, venv)


@pytest.mark.parametrize("which", [5, BIG_FILES // 2, BIG_FILES - 5])
def test_damage_anywhere_in_a_big_cache_entry_is_detected(
    ctx: TestContext, server: IndexServer, which: int
) -> None:
    # A big entry is checked in parts, by several threads: damage in any part is found.
    first = ctx.make_venv("first")
    ctx.run(*install_args(first, server, "big==1.0")).assert_success()
    entry = entry_of(ctx.cache_dir, "big-1.0-")
    module = entry / "tree" / "big" / f"m{which:04d}.py"
    good = module.read_bytes()
    os.chmod(module, 0o644)
    time.sleep(0.01)
    module.write_bytes(b"#" * len(good))
    venv = ctx.make_venv("second")
    result = ctx.run(*install_args(venv, server, "big==1.0"))
    result.assert_success()
    assert (site_packages(venv) / "big" / f"m{which:04d}.py").read_bytes() == good
    assert module.read_bytes() != b"#" * len(good) or not module.exists()


# -- hostile wheels, through the command ---------------------------------------------------------------


WHEEL = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def evil_wheel(directory: Path, name: str, members: dict[str, bytes], *, record: str | None = None) -> Path:
    import base64
    import hashlib

    dist_info = f"{name}-1.0.dist-info"
    files = {
        f"{name}/__init__.py": b"",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{dist_info}/WHEEL": WHEEL,
        **members,
    }
    if record is None:
        rows = []
        for path, data in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{path},sha256={digest},{len(data)}")
        record = "\n".join([*rows, f"{dist_info}/RECORD,,"]) + "\n"
    path = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            if member.startswith("LINK:"):
                info = zipfile.ZipInfo(member[5:])
                info.external_attr = 0o120777 << 16
                archive.writestr(info, data)
            else:
                archive.writestr(member, data)
        archive.writestr(f"{dist_info}/RECORD", record)
    return path


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ({"../evil.py": b"x = 1\n"}, "outside its own tree"),
        ({"evil/../../../evil.py": b"x = 1\n"}, "outside its own tree"),
        ({"/tmp/evil.py": b"x = 1\n"}, "absolute path"),
        ({"LINK:evil/link": b"/etc/passwd"}, "symbolic link"),
        ({"evil-1.0.data/purelib/../../../../evil.py": b"x = 1\n"}, "outside"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "data-dotdot"],
)
def test_a_wheel_with_a_path_outside_the_target_is_refused(
    ctx: TestContext, server: IndexServer, members: dict[str, bytes], says: str
) -> None:
    venv = ctx.make_venv()
    ctx.run(*install_args(venv, server, "util==1.0")).assert_success()
    before = sorted(str(p.relative_to(ctx.temp_dir)) for p in ctx.temp_dir.rglob("*"))
    wheels = ctx.path("wheels")
    wheels.mkdir()
    wheel = evil_wheel(wheels, "evil", members)
    before.append(str(wheel.relative_to(ctx.temp_dir)))
    before.append(str(wheels.relative_to(ctx.temp_dir)))
    result = ctx.run("pip", "--python", venv_python(venv), "install", "--no-index", wheel).assert_failure(1)
    assert says in result.stderr
    assert "evil-1.0-py3-none-any.whl" in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 1
    assert sorted(str(p.relative_to(ctx.temp_dir)) for p in ctx.temp_dir.rglob("*")) == sorted(before)
    assert (
        not (Path("/tmp") / "evil.py").exists()
        or (Path("/tmp") / "evil.py").stat().st_mtime < time.time() - 60
    )
    assert freeze(ctx, venv) == ["util==1.0"]
    assert archive_entries(ctx.cache_dir) and all(
        not json.loads((e / "manifest.json").read_text(encoding="utf-8"))["wheel"].startswith("evil")
        for e in archive_entries(ctx.cache_dir)
    )


@pytest.mark.parametrize("lie", ["wrong-hash", "wrong-size", "missing-entry", "extra-entry"])
def test_a_wheel_whose_record_lies_is_refused(ctx: TestContext, server: IndexServer, lie: str) -> None:
    import base64
    import hashlib

    def row(path: str, data: bytes) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{path},sha256={digest},{len(data)}"

    body = b"print('hello')\n"
    dist_info = "liar-1.0.dist-info"
    metadata = b"Metadata-Version: 2.1\nName: liar\nVersion: 1.0\n"
    rows = [row(f"{dist_info}/METADATA", metadata), row(f"{dist_info}/WHEEL", WHEEL)]
    if lie == "wrong-hash":
        rows.append(row("liar/__init__.py", b"print('HELLO')\n"))
    elif lie == "wrong-size":
        digest = row("liar/__init__.py", body).split(",")[1]
        rows.append(f"liar/__init__.py,{digest},{len(body) + 3}")
    elif lie == "extra-entry":
        rows.append(row("liar/__init__.py", body))
        rows.append(row("liar/gone.py", b"x = 1\n"))
    record = "\n".join([*rows, f"{dist_info}/RECORD,,"]) + "\n"
    venv = ctx.make_venv()
    ctx.run(*install_args(venv, server, "util==1.0")).assert_success()
    wheels = ctx.path("wheels")
    wheels.mkdir()
    wheel = evil_wheel(wheels, "liar", {"liar/__init__.py": body}, record=record)
    site = site_packages(venv)
    before = sorted(p.name for p in site.iterdir())
    result = ctx.run("pip", "--python", venv_python(venv), "install", "--no-index", wheel).assert_failure(1)
    assert "liar-1.0-py3-none-any.whl" in result.stderr
    assert "RECORD" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in site.iterdir()) == before
    assert freeze(ctx, venv) == ["util==1.0"]


# -- the cache on another filesystem; disk use of a second venv ----------------------------------------


def blocks(path: Path, seen: set[tuple[int, int]]) -> int:
    """Bytes of disk used under *path* like ``du`` counts them: each inode once across calls."""
    total = 0
    for directory, dirs, files in os.walk(path):
        for name in (*dirs, *files):
            info = os.lstat(os.path.join(directory, name))
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += info.st_blocks * 512
    return total


@pytest.mark.slow
def test_a_second_venv_costs_under_five_percent_of_its_packages(
    ctx: TestContext, server: IndexServer
) -> None:
    one = ctx.make_venv("one")
    two = ctx.make_venv("two")
    ctx.run(*install_args(one, server, "big==1.0", "app")).assert_success()
    seen: set[tuple[int, int]] = set()
    blocks(two, seen)  # the empty venv is not the packages' cost
    empty = set(seen)
    first = blocks(site_packages(one), seen)
    ctx.run(*install_args(two, server, "big==1.0", "app")).assert_success()
    extra = blocks(site_packages(two), seen)
    assert seen > empty
    assert freeze(ctx, two) == freeze(ctx, one)
    assert extra < 0.05 * first, (extra, first)


@pytest.mark.slow
def test_a_cache_on_another_filesystem_installs_by_copying(ctx: TestContext, server: IndexServer) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(ctx.temp_dir).st_dev:
        pytest.skip("no second filesystem for the cache")
    import shutil
    import tempfile

    cache_dir = Path(tempfile.mkdtemp(dir=shm, prefix="pipcompat-test-cache-"))
    try:
        env = {"PIPCOMPAT_CACHE_DIR": str(cache_dir)}
        one = ctx.make_venv("one")
        two = ctx.make_venv("two")
        ctx.run(*install_args(one, server, "app", "big==1.0"), env=env).assert_success()
        ctx.run(*install_args(two, server, "app", "big==1.0"), env=env).assert_success()
        assert freeze(ctx, one) == freeze(ctx, two) == ["app==1.0", "big==1.0", "lib==2.0", "util==1.1"]
        for venv in (one, two):
            assert_consistent(ctx, venv)
            module = site_packages(venv) / "big" / "m0001.py"
            assert os.stat(module).st_nlink == 1  # a copy, not a link into the cache
            out = ctx.run_cmd([venv / "bin" / "app"])
            assert "Traceback" not in out.stderr
        assert (
            os.stat(site_packages(one) / "lib" / "__init__.py").st_ino
            != os.stat(site_packages(two) / "lib" / "__init__.py").st_ino
        )
        # editing an installed copy leaves the cache and the other venv alone
        (site_packages(one) / "lib" / "__init__.py").write_text("broken = True\n", encoding="utf-8")
        three = ctx.make_venv("three")
        ctx.run(*install_args(three, server, "lib==2.0"), env=env).assert_success()
        assert "broken" not in (site_packages(three) / "lib" / "__init__.py").read_text(encoding="utf-8")
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


# -- two installs into the same venv at once -----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "requests",
    [
        (("big==1.0", "app"), ("big==1.0", "app")),
        (("big==1.0",), ("big==2.0", "util==1.0")),
    ],
    ids=["same", "different"],
)
def test_two_installs_into_the_same_venv_at_once_end_consistent(
    ctx: TestContext, server: IndexServer, requests: tuple[tuple[str, ...], tuple[str, ...]]
) -> None:
    venv = ctx.make_venv()
    procs = [start(ctx, *install_args(venv, server, *r)) for r in requests]
    results = [(p.wait(timeout=300), p.communicate()) for p in procs]
    for code, (_out, err) in results:
        assert "Traceback" not in err
        assert code == 0, err
    assert_consistent(ctx, venv)
    names = [line.split("==")[0] for line in freeze(ctx, venv)]
    assert len(names) == len(set(names))
    assert len(list(site_packages(venv).glob("big-*.dist-info"))) == 1
    version = ctx.run_cmd(
        [venv_python(venv), "-c", "import big, big.m0005 as m; print(big.VERSION, m.VERSION)"]
    )
    first, second = version.assert_success().stdout.split()
    assert first == second


def test_pip_sync_finds_an_entry_damaged_since_the_last_sync_of_the_same_file(
    ctx: TestContext, server: IndexServer
) -> None:
    requirements = ctx.temp_dir / "requirements.txt"
    requirements.write_text("lib==2.0\nutil==1.1\n")
    first = ctx.make_venv("first")
    sync = ("pip", "sync", "--python-executable", str(venv_python(first)), "-i", server.url, requirements)
    ctx.run(*sync).assert_success()
    entry = entry_of(ctx.cache_dir, "lib-2.0-")
    module = entry / "tree" / "lib" / "__init__.py"
    good = module.read_bytes()
    os.chmod(module, 0o644)
    time.sleep(0.01)
    module.write_bytes(b"#" * len(good))
    second = ctx.make_venv("second")
    sync = ("pip", "sync", "--python-executable", str(venv_python(second)), "-i", server.url, requirements)
    result = ctx.run(*sync)
    result.assert_success()
    assert (site_packages(second) / "lib" / "__init__.py").read_bytes() == good
    assert freeze(ctx, second) == ["lib==2.0", "util==1.1"]
