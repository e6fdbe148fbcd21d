"""``pipcompat pip sync`` with editables and direct references, side by side with the real pip-sync 7.6.2:
the same ``--dry-run`` lists (a named archive URL with a hash stays when that archive is installed; editables,
local directories and URLs without a hash are uninstalled and installed again on every sync), and a real
sync that leaves the environment as the files say."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.context import Result, TestContext, venv_python
from tests.support.index_server import IndexServer, IndexServerFactory
from tests.support.packages import PackageSpec

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: A tiny in-tree backend: regular wheels hold ``<name>_mod.py``; editable wheels a ``.pth`` to the tree.
BACKEND = """
import base64, hashlib, json, os, zipfile


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _wheel(directory, payload):
    with open("meta.json") as handle:
        meta = json.load(handle)
    name, version = meta["name"], meta["version"]
    dist = name + "-" + version + ".dist-info"
    files = dict(payload(name))
    metadata = "Metadata-Version: 2.1\\nName: " + name + "\\nVersion: " + version + "\\n"
    files[dist + "/METADATA"] = metadata.encode()
    wheel_file = "Wheel-Version: 1.0\\nGenerator: mini\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files[dist + "/WHEEL"] = wheel_file.encode()
    rows = "".join(p + "," + _hash(d) + "," + str(len(d)) + "\\n" for p, d in files.items())
    files[dist + "/RECORD"] = (rows + dist + "/RECORD,,\\n").encode()
    wheel = name + "-" + version + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, wheel), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, lambda name: {name + "_mod.py": open(name + "_mod.py", "rb").read()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    pth = (os.getcwd() + "\\n").encode()
    return _wheel(wheel_directory, lambda name: {"_" + name + "_editable.pth": pth})
"""

PYPROJECT = """\
[build-system]
requires = []
build-backend = "mini_backend"
backend-path = ["."]
"""


def make_project(root: Path, name: str, version: str = "1.0") -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "mini_backend.py").write_text(BACKEND)
    (root / "meta.json").write_text(json.dumps({"name": name, "version": version}))
    (root / f"{name}_mod.py").write_text(f"WHO = {name!r}\n")
    return root


def make_zip(project: Path, dest: Path, name: str, version: str = "1.0") -> Path:
    path = dest / f"{name}-{version}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(project.iterdir()):
            archive.write(file, f"{name}-{version}/{file.name}")
    return path


@pytest.fixture
def server(index_server: IndexServerFactory) -> IndexServer:
    return index_server([PackageSpec("alpha", "1.0"), PackageSpec("beta", "1.0")])


def pip_sync_executable() -> str:
    found = shutil.which("pip-sync", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("pip-sync is not installed next to the test interpreter")
    return found


def our_sync(ctx: TestContext, venv: Path, server: IndexServer, *args: str) -> Result:
    return ctx.run("pip", "sync", "--python-executable", str(venv_python(venv)), "-i", server.url, *args)


def their_sync(ctx: TestContext, venv: Path, server: IndexServer, *args: str) -> Result:
    return ctx.run_cmd(
        [pip_sync_executable(), "--python-executable", str(venv_python(venv)), "-i", server.url, *args],
        env={"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def direct_url(venv: Path, name: str) -> dict[str, object]:
    (dist,) = site_packages(venv).glob(f"{name}-*.dist-info")
    data: dict[str, object] = json.loads((dist / "direct_url.json").read_text())
    return data


@pytest.fixture
def layout(ctx: TestContext, server: IndexServer, tmp_path: Path) -> tuple[Path, Path]:
    """A venv holding alpha, beta, an editable ``proj``, a hashed and an unhashed archive and a local
    directory; and a requirements file that wants all but beta."""
    proj = make_project(tmp_path / "proj", "proj")
    hashed = make_zip(make_project(tmp_path / "src-hashed", "hashed"), tmp_path, "hashed")
    plain = make_zip(make_project(tmp_path / "src-plain", "plain"), tmp_path, "plain")
    localdir = make_project(tmp_path / "localdir", "localdir")
    digest = hashlib.sha256(hashed.read_bytes()).hexdigest()
    lines = [
        "alpha==1.0",
        f"-e {proj.as_uri()}",
        f"hashed @ {hashed.as_uri()}#sha256={digest}",
        f"plain @ {plain.as_uri()}",
        f"localdir @ {localdir.as_uri()}",
    ]
    requirements = ctx.write("requirements.txt", "\n".join(lines) + "\n")
    venv = ctx.make_venv(with_pip=True)  # pip-sync asks the target for its pip
    ctx.run(
        "pip", "--python", venv_python(venv), "install", "-i", server.url, "beta", "-r", str(requirements)
    ).assert_success()
    return venv, requirements


def test_dry_run_lists_editables_and_unhashed_references_for_reinstall_like_pip_sync(
    ctx: TestContext, server: IndexServer, layout: tuple[Path, Path]
) -> None:
    venv, requirements = layout
    ours = our_sync(ctx, venv, server, "--dry-run", str(requirements))
    theirs = their_sync(ctx, venv, server, "--dry-run", str(requirements))
    assert theirs.returncode == 1, theirs.stderr
    assert ours.returncode == 1, ours.stderr
    assert ours.stdout == theirs.stdout, (ours.stdout, theirs.stdout, theirs.stderr)
    lines = ours.stdout.splitlines()
    assert lines[0] == "Would uninstall:"
    install_at = lines.index("Would install:")
    removed, installed = lines[1:install_at], lines[install_at + 1 :]
    assert removed[:2] == ["  beta", "  localdir"] and removed[3] == "  proj"
    # Installed from an archive: direct_url.json has the archive's hash, so pip-sync names it that way.
    assert removed[2].startswith("  plain @ file://") and "#sha256=" in removed[2]
    assert installed[0].startswith("  -e file://") and installed[0].endswith("/proj")
    assert [line.split(" @ ")[0] for line in installed[1:]] == ["  localdir", "  plain"]
    assert not any("hashed" in line or "alpha" in line for line in lines)


def test_sync_reinstalls_editables_and_direct_references_and_removes_the_rest(
    ctx: TestContext, server: IndexServer, layout: tuple[Path, Path]
) -> None:
    venv, requirements = layout
    result = our_sync(ctx, venv, server, str(requirements))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name.split("-")[0] for p in site_packages(venv).glob("*.dist-info"))
    # pip (and the setuptools some venvs seed) stay: pip-sync's keep-list.
    assert [n for n in names if n not in ("pip", "setuptools")] == [
        "alpha",
        "hashed",
        "localdir",
        "plain",
        "proj",
    ]
    assert direct_url(venv, "proj")["dir_info"] == {"editable": True}
    assert direct_url(venv, "localdir")["dir_info"] == {}
    archive_info = direct_url(venv, "hashed")["archive_info"]
    assert isinstance(archive_info, dict) and "sha256" in archive_info["hashes"]
    check = ctx.run_cmd([str(venv_python(venv)), "-c", "import proj_mod, localdir_mod; print(proj_mod.WHO)"])
    assert check.assert_success().stdout.strip() == "proj"
    # pip-sync's rule: what cannot be compared (no name and hash) is installed again every time.
    again = our_sync(ctx, venv, server, "--dry-run", str(requirements))
    assert again.returncode == 1
    assert again.stdout == their_sync(ctx, venv, server, "--dry-run", str(requirements)).stdout
    assert "hashed" not in again.stdout and "alpha" not in again.stdout
