"""``--show-settings`` shows the effective settings and what the requirement files hold."""

from __future__ import annotations

from tests.support.context import TestContext


def test_show_settings_lists_requirements_with_their_file_and_line(ctx: TestContext) -> None:
    ctx.write("base.txt", "six==1.16.0  # pinned\n")
    ctx.write(
        "requirements.txt",
        """\
        --extra-index-url https://user:secret@example.invalid/simple
        -r base.txt
        -c constraints.txt
        flask[async] >=3.0 \\
            ; python_version >= "3.9"
        -e ./local-project
        """,
    )
    ctx.write("constraints.txt", "werkzeug<4\n")
    result = ctx.run("pip", "install", "--show-settings", "-r", "requirements.txt").assert_success()
    out = result.stdout
    assert 'requirements = ["requirements.txt"]  # command line' in out
    assert '"six==1.16.0"  # base.txt:1' in out
    assert '"werkzeug<4"  # constraints.txt:1' in out
    assert 'python_version >= \\"3.9\\""  # requirements.txt:4' in out
    assert '"-e ./local-project"  # requirements.txt:6' in out
    assert "secret" not in out
    assert "extra_index_urls" in out


def test_show_settings_reports_a_bad_requirement_line_with_file_and_line(ctx: TestContext) -> None:
    ctx.write("requirements.txt", "requests\nfoo==\n")
    result = ctx.run("pip", "install", "--show-settings", "-r", "requirements.txt").assert_failure(1)
    assert "requirements.txt:2" in result.stderr
    assert "foo==" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") <= 2


def test_show_settings_of_compile_reads_its_source_files(ctx: TestContext) -> None:
    ctx.write("requirements.in", "attrs>=23\n")
    result = ctx.run("pip", "compile", "--show-settings", "requirements.in").assert_success()
    assert '"attrs>=23"  # requirements.in:1' in result.stdout


def test_show_settings_shows_configuration_origins(ctx: TestContext) -> None:
    ctx.write("pip.conf", "[global]\ntimeout = 42\n[install]\nno-deps = yes\n")
    result = ctx.run(
        "pip", "install", "--show-settings", "x", env={"PIP_CONFIG_FILE": str(ctx.path("pip.conf"))}
    ).assert_success()
    assert "timeout = 42.0  # " in result.stdout
    assert "pip.conf [global]" in result.stdout
    assert "ignore_dependencies = true" in result.stdout


def test_command_not_available_yet_fails_with_one_line_and_exit_2(ctx: TestContext) -> None:
    result = ctx.run("pip", "debug", "--verbose").assert_failure(2)
    assert result.stderr.startswith("error: 'pipcompat pip debug' is not available yet")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
