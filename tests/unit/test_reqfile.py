"""Requirement files: what a user writes, what comes back, and what the errors say."""

from __future__ import annotations

import codecs
import locale
import os
from pathlib import Path
from typing import Any

import pytest

from pipcompat.errors import RequirementsFileError
from pipcompat.models import SourceLocation
from pipcompat.requirements import (
    FileOptions,
    ParsedRequirement,
    ParseResult,
    RequirementForm,
    parse_requirements_file,
    parse_requirements_files,
)

SHA_A = "sha256:" + "a" * 64
SHA_B = "sha256:" + "b" * 64


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in its own directory, so relative names in messages are short and predictable."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(name: str, text: str | bytes) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return name


def parse(text: str | bytes, name: str = "req.txt", **kwargs: Any) -> ParseResult:
    kwargs.setdefault("environ", {})
    return parse_requirements_file(write(name, text), **kwargs)


def texts(result: ParseResult) -> list[str]:
    return [req.text for req in result.requirements]


def only(result: ParseResult) -> ParsedRequirement:
    assert len(result.requirements) == 1, texts(result)
    return result.requirements[0]


def error_of(text: str | bytes, name: str = "req.txt", **kwargs: Any) -> RequirementsFileError:
    with pytest.raises(RequirementsFileError) as caught:
        parse(text, name, **kwargs)
    return caught.value


# --------------------------------------------------------------------------------------------------------
# Lines, comments, continuations


def test_requirements_come_back_in_file_order_with_their_line_numbers() -> None:
    result = parse("requests\n\nflask>=2\n# comment\nattrs\n")
    assert texts(result) == ["requests", "flask>=2", "attrs"]
    assert [req.location for req in result.requirements] == [
        SourceLocation("req.txt", 1),
        SourceLocation("req.txt", 3),
        SourceLocation("req.txt", 5),
    ]
    assert [req.comes_from for req in result.requirements] == [
        "-r req.txt (line 1)",
        "-r req.txt (line 3)",
        "-r req.txt (line 5)",
    ]


def test_comment_starts_at_a_hash_after_whitespace_or_at_line_start() -> None:
    result = parse("# whole line\n   # indented\nrequests # trailing\nattrs\t# after a tab\n")
    assert texts(result) == ["requests", "attrs"]


def test_hash_glued_to_text_is_not_a_comment() -> None:
    req = only(parse("https://example.com/pkg.zip#egg=pkg\n"))
    assert req.url == "https://example.com/pkg.zip#egg=pkg"
    assert req.name == "pkg"


def test_blank_and_whitespace_only_lines_are_skipped() -> None:
    assert texts(parse("\n   \n\t\nrequests\n\n")) == ["requests"]


def test_continuation_joins_lines_and_keeps_the_first_line_number() -> None:
    req = only(parse(f"# header\nattrs==23.1.0 \\\n    --hash={SHA_A} \\\n    --hash={SHA_B}\n"))
    # The spaces before the joined "--hash" stay in the text, as in pip; the name is unaffected.
    assert req.text == "attrs==23.1.0    "
    assert (req.name, req.specifier) == ("attrs", "==23.1.0")
    assert req.location.line == 2
    assert req.hashes == (SHA_A, SHA_B)


def test_continuation_line_joins_until_comment() -> None:
    result = parse("click \\\n# a comment line ends the continuation\nflask\n")
    assert texts(result) == ["click", "flask"]
    assert [r.location.line for r in result.requirements] == [1, 3]


def test_continuation_glues_without_adding_a_space() -> None:
    assert texts(parse("Django\\\n>=4\n")) == ["Django>=4"]


def test_trailing_backslash_at_end_of_file_still_counts() -> None:
    assert texts(parse("requests\npackaging \\\n    >=21 \\")) == ["requests", "packaging     >=21"]


def test_backslash_after_a_trailing_comment_swallows_the_next_line() -> None:
    # The backslash continues the line; the comment then runs over what was joined.
    assert texts(parse("first # comment \\\nsecond\nthird\n")) == ["first", "third"]


def test_crlf_line_endings_read_like_lf() -> None:
    result = parse(b"requests\r\nattrs \\\r\n  ==23.1.0\r\n\r\nflask # c\r\n")
    assert texts(result) == ["requests", "attrs   ==23.1.0", "flask"]
    assert [r.location.line for r in result.requirements] == [1, 2, 5]


def test_utf8_byte_order_mark_is_dropped() -> None:
    assert texts(parse(codecs.BOM_UTF8 + b"requests\n")) == ["requests"]


def test_utf16_file_with_byte_order_mark_is_decoded() -> None:
    assert texts(parse(codecs.BOM_UTF16_LE + "requests\nflask\n".encode("utf-16-le"))) == [
        "requests",
        "flask",
    ]


def test_pep263_line_declares_the_encoding() -> None:
    data = '# -*- coding: latin-1 -*-\nfoo; platform_release == "café"\n'.encode("latin-1")
    assert only(parse(data)).markers == 'platform_release == "café"'


def test_undecodable_file_is_read_with_the_locale_encoding_and_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(locale, "getencoding", lambda: "latin-1", raising=False)
    monkeypatch.setattr(locale, "getpreferredencoding", lambda do_setlocale=True: "latin-1")
    result = parse('foo; platform_release == "café"\n'.encode("latin-1"))
    assert only(result).markers == 'platform_release == "café"'
    assert len(result.warnings) == 1
    assert "latin-1" in result.warnings[0].message
    assert result.warnings[0].location == SourceLocation("req.txt")


def test_unknown_declared_encoding_is_an_error() -> None:
    error = error_of("# coding: no-such-codec\nrequests\n")
    assert "unknown encoding 'no-such-codec'" in str(error)


def test_form_feed_and_other_unicode_line_breaks_split_lines() -> None:
    assert texts(parse("requests\x0cflask\n")) == ["requests", "flask"]


def test_non_ascii_text_in_comments_and_markers_is_kept() -> None:
    req = only(parse('# Ünïcödé ✓\nfoo; platform_release == "🐍" # émoji\n'))
    assert req.markers == 'platform_release == "🐍"'


# --------------------------------------------------------------------------------------------------------
# Environment variables


def test_braced_upper_case_variables_are_expanded_from_environ() -> None:
    req = only(parse("requests==${VERSION}\n", environ={"VERSION": "2.31.0"}))
    assert req.text == "requests==2.31.0"
    assert req.specifier == "==2.31.0"


def test_unset_empty_and_lower_case_variables_stay_as_written() -> None:
    result = parse(
        "--extra-index-url https://${UNSET}.example/${EMPTY}/${lower}/$BARE/simple\n",
        environ={"EMPTY": "", "lower": "x", "BARE": "y"},
    )
    assert result.options.extra_index_urls == ("https://${UNSET}.example/${EMPTY}/${lower}/$BARE/simple",)


def test_os_environ_is_the_default_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQ_NAME", "attrs")
    assert texts(parse_requirements_file(write("req.txt", "${REQ_NAME}\n"))) == ["attrs"]


def test_variables_expand_after_comments_are_removed() -> None:
    # A "#" inside a value is not a comment: pip would then refuse the text.
    error = error_of("${SPEC}\n", environ={"SPEC": "foo # not a comment"})
    assert "req.txt:1: invalid requirement 'foo # not a comment'" in str(error)


def test_variables_expand_in_include_paths() -> None:
    write("sub/child.txt", "child\n")
    result = parse("-r ${DIR}/child.txt\n", environ={"DIR": "sub"})
    assert texts(result) == ["child"]


# --------------------------------------------------------------------------------------------------------
# -r / -c nesting


def test_nested_file_is_read_in_place_relative_to_the_including_file(in_tmp: Path) -> None:
    write("reqs/base.txt", "base-first\n-r more/extra.txt\nbase-last\n")
    write("reqs/more/extra.txt", "extra\n")
    result = parse("top\n-r reqs/base.txt\nbottom\n")
    assert texts(result) == ["top", "base-first", "extra", "base-last", "bottom"]
    extra = result.requirements[2]
    nested = str(in_tmp / "reqs" / "more" / "extra.txt")
    assert extra.comes_from == f"-r {nested} (line 1)"
    assert extra.location == SourceLocation(nested, 1)
    assert extra.base_dir == str(in_tmp / "reqs" / "more")
    assert result.files == ("req.txt", str(in_tmp / "reqs" / "base.txt"), nested)


def test_constraints_file_lines_are_constraints_and_its_r_lines_are_requirements(in_tmp: Path) -> None:
    write("constraints.txt", "idna==3.4\n-r extra.txt\n")
    write("extra.txt", "extra\n")
    result = parse("requests\n--constraint constraints.txt\n")
    assert [(r.text, r.is_constraint) for r in result.requirements] == [
        ("requests", False),
        ("idna==3.4", True),
        ("extra", False),
    ]
    assert result.requirements[1].comes_from == f"-c {in_tmp / 'constraints.txt'} (line 1)"


def test_same_file_included_twice_is_not_a_cycle() -> None:
    write("shared.txt", "shared\n")
    write("a.txt", "-r shared.txt\n")
    assert texts(parse("-r a.txt\n-r shared.txt\n")) == ["shared", "shared"]


def test_include_cycle_is_an_error_naming_the_chain(in_tmp: Path) -> None:
    write("a.txt", "a\n-r b.txt\n")
    write("b.txt", "b\n\n-r a.txt\n")
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file("a.txt")
    error = caught.value
    assert error.location == SourceLocation(str(in_tmp / "b.txt"), 3)
    message = str(error)
    assert f"{in_tmp / 'b.txt'}:3: requirement file {in_tmp / 'a.txt'} includes itself" in message
    assert f"({in_tmp / 'a.txt'} -> {in_tmp / 'b.txt'} -> {in_tmp / 'a.txt'})" in message


def test_file_including_itself_is_an_error() -> None:
    assert "req.txt:2: requirement file" in str(error_of("ok\n-r ./req.txt\n"))


def test_missing_included_file_error_names_the_including_line(in_tmp: Path) -> None:
    error = error_of("requests\n-r missing.txt\n")
    assert str(error).startswith(
        f"req.txt:2: could not open requirements file {in_tmp / 'missing.txt'}: No such file or directory"
    )
    assert error.exit_code == 1


def test_missing_constraints_file_says_constraints() -> None:
    assert "could not open constraints file" in str(error_of("-c missing.txt\n"))


def test_missing_top_level_file_is_an_error_without_a_line() -> None:
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file("nope.txt")
    assert str(caught.value) == "could not open requirements file nope.txt: No such file or directory"


def test_only_the_first_include_of_a_line_counts_and_other_options_there_are_ignored() -> None:
    write("a.txt", "a\n")
    write("b.txt", "b\n")
    result = parse("-r a.txt -r b.txt --pre -i https://ignored.example/simple\n-r a.txt -c b.txt\n")
    assert [(r.text, r.is_constraint) for r in result.requirements] == [("a", False), ("a", False)]
    assert result.options == FileOptions()


def test_url_include_goes_through_fetch_url_and_resolves_relative_to_the_url() -> None:
    served = {
        "https://example.com/reqs/top.txt": "top\n-r sub/inner.txt\n-c /root.txt\n",
        "https://example.com/reqs/sub/inner.txt": "inner\n",
        "https://example.com/root.txt": "root<2\n",
    }
    fetched: list[str] = []

    def fetch(url: str) -> str:
        fetched.append(url)
        return served[url]

    result = parse("local\n-r https://example.com/reqs/top.txt\n", fetch_url=fetch)
    assert texts(result) == ["local", "top", "inner", "root<2"]
    assert fetched == list(served)
    assert result.requirements[2].comes_from == "-r https://example.com/reqs/sub/inner.txt (line 1)"
    assert result.requirements[2].base_dir == "https://example.com/reqs/sub/"
    assert result.requirements[3].is_constraint


def test_url_include_without_a_fetcher_is_an_error() -> None:
    error = error_of("-r https://example.com/r.txt\n")
    assert str(error).startswith("req.txt:1: cannot read requirements file https://example.com/r.txt")


def test_fetch_failure_is_an_error_at_the_including_line() -> None:
    def fetch(url: str) -> str:
        raise OSError(f"404 Client Error for url: {url}")

    error = error_of("ok\n-r https://example.com/r.txt\n", fetch_url=fetch)
    assert str(error) == (
        "req.txt:2: could not fetch requirements file https://example.com/r.txt: "
        "404 Client Error for url: https://example.com/r.txt"
    )


def test_file_url_include_is_read_without_a_fetcher(in_tmp: Path) -> None:
    write("other.txt", "other\n")
    result = parse(f"-r {(in_tmp / 'other.txt').as_uri()}\n")
    assert texts(result) == ["other"]
    assert result.requirements[0].comes_from == f"-r {(in_tmp / 'other.txt').as_uri()} (line 1)"


def test_file_url_keeps_a_byte_order_mark_as_pip_does(in_tmp: Path) -> None:
    # pip reads file: URLs through its HTTP session, which does not strip the mark.
    write("bom.txt", codecs.BOM_UTF8 + b"requests\n")
    error = error_of(f"-r {(in_tmp / 'bom.txt').as_uri()}\n")
    assert "invalid requirement '\\ufeffrequests'" in str(error)


# --------------------------------------------------------------------------------------------------------
# Per-requirement options


def test_hashes_are_collected_per_requirement_in_order() -> None:
    sha512 = "sha512:" + "c" * 128
    req = only(parse(f"attrs==23.1.0 --hash={SHA_A} --hash {sha512} --hash={SHA_B}\n"))
    assert req.hashes == (SHA_A, sha512, SHA_B)
    assert req.hash_options == {"sha256": ["a" * 64, "b" * 64], "sha512": ["c" * 128]}


def test_hash_on_a_line_without_requirement_is_ignored_with_a_warning() -> None:
    result = parse(f"--hash={SHA_A}\nattrs\n")
    assert only(result).hashes == ()
    assert [str(w) for w in result.warnings] == [
        "req.txt:1: --hash on a line without a requirement is ignored"
    ]


def test_hashes_on_editable_lines_are_dropped() -> None:
    assert only(parse(f"-e ./proj --hash={SHA_A}\n")).hashes == ()


def test_config_settings_keep_order_and_repeat_into_lists() -> None:
    req = only(parse("./proj -C key=one --config-settings key=two -Cother=x=y\n"))
    assert req.config_settings == (("key", "one"), ("key", "two"), ("other", "x=y"))
    assert req.config_settings_dict == {"key": ["one", "two"], "other": "x=y"}


def test_config_settings_apply_to_editables() -> None:
    assert only(parse("-e ./proj -C editable_mode=compat\n")).config_settings_dict == {
        "editable_mode": "compat"
    }


@pytest.mark.parametrize("option", ["--global-option=--quiet", "--build-option --cpp", "--install-option=x"])
def test_per_line_options_removed_from_pip_are_refused(option: str) -> None:
    name = option.replace("=", " ").split(" ", maxsplit=1)[0]
    assert (
        str(error_of(f"foo {option}\n")) == f"req.txt:1: no such option: {name} (from line: 'foo {option}')"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("foo --hash=md5:abc", "allowed hash algorithms for --hash are sha256, sha384, sha512"),
        ("foo --hash=abc", "arguments to --hash must be a hash name followed by a value"),
        ("foo -C novalue", "arguments to -C must be of the form KEY=VAL"),
        ("foo --config-settings novalue", "arguments to --config-settings must be of the form KEY=VAL"),
        ("--use-feature=warp", "option --use-feature: invalid choice: 'warp'"),
        ("--pre=yes", "--pre option does not take a value"),
        ("-i", "-i option requires 1 argument"),
        ("--index-url", "--index-url option requires 1 argument"),
        ("--no-binary --pre", "--no-binary / --only-binary option requires 1 argument"),
        ("--all-releases -x", "--all-releases / --only-final option requires 1 argument"),
        ("--re x.txt", "ambiguous option: --re (could be --require-hashes, --requirement)"),
        ("-x", "no such option: -x"),
        ("--upgrade", "no such option: --upgrade"),
        ('-i "unclosed', "could not split the options '-i \"unclosed': No closing quotation"),
    ],
)
def test_bad_options_are_errors_with_file_line_and_text(line: str, message: str) -> None:
    error = error_of(f"ok\n{line}\n")
    assert str(error).startswith(f"req.txt:2: {message}")
    assert str(error).endswith(f"(from line: {line!r})")
    assert error.location == SourceLocation("req.txt", 2)
    assert error.text == line


# --------------------------------------------------------------------------------------------------------
# File-level options


@pytest.mark.parametrize(
    "line",
    [
        "--index-url https://i.example/simple",
        "--index-url=https://i.example/simple",
        "-i https://i.example/simple",
        "-ihttps://i.example/simple",
        "--pypi-url https://i.example/simple",
        "--index https://i.example/simple",
        "--index-u=https://i.example/simple",
    ],
)
def test_index_url_spellings(line: str) -> None:
    assert parse(line + "\n").options.index_urls() == ("https://i.example/simple",)


def test_index_url_replaces_the_index_and_drops_earlier_extra_indexes() -> None:
    options = parse(
        "--extra-index-url https://dropped.example\n"
        "-i https://main.example\n"
        "--extra-index-url https://kept.example\n"
        "--extra https://abbreviated.example\n"
    ).options
    assert options.index_url == "https://main.example"
    assert options.index_urls() == (
        "https://main.example",
        "https://kept.example",
        "https://abbreviated.example",
    )


def test_extra_index_urls_add_to_the_default_index() -> None:
    options = parse("--extra-index-url https://e.example\n").options
    assert options.index_urls() == ("https://pypi.org/simple", "https://e.example")
    assert options.index_urls("https://mirror.example") == ("https://mirror.example", "https://e.example")


def test_no_index_ignores_every_later_index_option() -> None:
    options = parse(
        "-i https://a.example\n--no-index\n-i https://b.example\n--extra-index-url https://c\n"
    ).options
    assert options.no_index
    assert options.index_urls() == ()


def test_relative_find_links_resolve_against_the_file_when_they_exist(in_tmp: Path) -> None:
    (in_tmp / "sub" / "wheels").mkdir(parents=True)
    write("sub/req.txt", "-f wheels\n-f missing\n-f https://example.com/links/\n")
    options = parse_requirements_file("sub/req.txt").options
    assert options.find_links == (str(in_tmp / "sub" / "wheels"), "missing", "https://example.com/links/")


def test_only_the_first_find_links_of_a_line_counts() -> None:
    assert parse("-f a -f b --find-links c\n").options.find_links == ("a",)


def test_no_binary_and_only_binary_exclude_each_other() -> None:
    options = parse(
        "--no-binary :all:\n--only-binary Foo_Bar,baz\n--no-binary=baz\n--no-binary :none:,Zed.Pkg\n"
    ).options
    assert options.no_binary == {"zed-pkg"}
    assert options.only_binary == {"foo-bar"}
    assert options.allowed_formats("FOO.bar") == {"binary"}
    assert options.allowed_formats("zed_pkg") == {"source"}
    assert options.allowed_formats("other") == {"binary", "source"}


def test_all_then_none_keeps_the_names_after_none() -> None:
    options = parse("--only-binary=:all:,:none:,lxml\n").options
    assert options.only_binary == {"lxml"}


def test_binary_and_release_choices_apply_even_on_requirement_lines() -> None:
    options = parse("requests --no-binary :all:\nflask --all-releases Flask_Login\n").options
    assert options.no_binary == {":all:"}
    assert options.all_releases == {"flask-login"}


def test_pre_means_all_releases_for_every_project() -> None:
    options = parse("--pre\n").options
    assert options.pre
    assert options.all_releases == {":all:"}
    assert options.allows_prereleases("anything")


def test_pre_beats_only_final_all_from_the_same_line() -> None:
    options = parse("--pre --only-final :all:\n").options
    assert options.all_releases == {":all:"}
    assert options.only_final == {":all:"}
    assert options.allows_prereleases("x") is True


def test_other_options_on_a_requirement_line_are_ignored() -> None:
    result = parse("requests --pre -i https://ignored.example --prefer-binary -f links --require-hashes\n")
    assert texts(result) == ["requests"]
    assert result.options == FileOptions()


def test_words_after_options_are_dropped() -> None:
    result = parse("--pre stray words\n--prefer-binary -- --require-hashes\n")
    assert result.requirements == ()
    assert result.options.pre and result.options.prefer_binary
    assert not result.options.require_hashes


def test_requirement_text_is_split_off_at_the_first_space_before_a_dash() -> None:
    # A tab does not separate options, so this is one (invalid) requirement.
    assert "invalid requirement 'requests\\t--pre'" in str(error_of("requests\t--pre\n"))
    assert only(parse("qux  --hash=" + SHA_A + "\n")).text == "qux "


def test_trusted_hosts_are_deduplicated_by_host_and_port() -> None:
    options = parse(
        "--trusted-host example.com\n--trusted-host EXAMPLE.com\n--trusted-host example.com:8080\n"
        "--trusted-host ::1 --trusted-host [::1]\n"
    ).options
    assert options.trusted_hosts == ("example.com", "example.com:8080", "::1")


def test_trusted_host_without_a_host_is_an_error() -> None:
    error = error_of("--trusted-host :8080\n")
    assert str(error) == (
        "req.txt:1: invalid --trusted-host ':8080': it must include a host part"
        " (from line: '--trusted-host :8080')"
    )


def test_use_feature_values_from_any_line_are_enabled_once() -> None:
    options = parse(
        "--use-feature fast-deps\n--use-feature=fast-deps\nfoo --use-feature=venv-isolation\n"
    ).options
    assert options.features_enabled == ("fast-deps", "venv-isolation")


def test_require_hashes_flags_are_recorded() -> None:
    options = parse("--require-hashes\n--no-require-hashes\n").options
    assert options.require_hashes and options.no_require_hashes


def test_file_options_merge_onto_the_starting_options() -> None:
    start = FileOptions(
        index_url="https://cli.example",
        extra_index_urls=("https://cli-extra.example",),
        no_binary=frozenset({"lxml"}),
        trusted_hosts=("example.com",),
    )
    options = parse(
        "--extra-index-url https://file.example\n--only-binary lxml\n--trusted-host example.com\n",
        options=start,
    ).options
    assert options.index_urls() == (
        "https://cli.example",
        "https://cli-extra.example",
        "https://file.example",
    )
    assert options.no_binary == frozenset()
    assert options.only_binary == {"lxml"}
    assert options.trusted_hosts == ("example.com",)


# --------------------------------------------------------------------------------------------------------
# What a requirement is


@pytest.mark.parametrize(
    ("line", "form", "name", "extras", "specifier", "url", "path", "markers"),
    [
        ("requests", RequirementForm.NAMED, "requests", (), "", None, None, None),
        (
            'Flask[async,Dotenv]>=2.3 ; python_version >= "3.8"',
            RequirementForm.NAMED,
            "Flask",
            ("Dotenv", "async"),
            ">=2.3",
            None,
            None,
            'python_version >= "3.8"',
        ),
        ("Foo[BAR]", RequirementForm.NAMED, "Foo", ("bar",), "", None, None, None),
        (
            "pip @ https://example.com/pip.zip ; os_name == 'nt'",
            RequirementForm.DIRECT_URL,
            "pip",
            (),
            "",
            "https://example.com/pip.zip",
            None,
            "os_name == 'nt'",
        ),
        (
            'https://example.com/w-1.0-py3-none-any.whl; python_version > "3"',
            RequirementForm.URL,
            "w",
            (),
            "==1.0",
            "https://example.com/w-1.0-py3-none-any.whl",
            None,
            'python_version > "3"',
        ),
        (
            "https://example.com/p.tar.gz;python_version>'3'",
            RequirementForm.URL,
            None,
            (),
            "",
            "https://example.com/p.tar.gz;python_version>'3'",
            None,
            None,
        ),
        (
            "git+https://github.com/pypa/pip.git@main#egg=pip",
            RequirementForm.URL,
            "pip",
            (),
            "",
            "git+https://github.com/pypa/pip.git@main#egg=pip",
            None,
            None,
        ),
        ("./proj[Test]", RequirementForm.PATH, None, ("test",), "", None, "./proj", None),
        (
            "sub/proj ; os_name == 'nt'",
            RequirementForm.PATH,
            None,
            (),
            "",
            None,
            "sub/proj",
            "os_name == 'nt'",
        ),
        ("foo.tar.gz", RequirementForm.PATH, None, (), "", None, "foo.tar.gz", None),
        (
            "dist/x-2.0-py3-none-any.whl",
            RequirementForm.PATH,
            "x",
            (),
            "==2.0",
            None,
            "dist/x-2.0-py3-none-any.whl",
            None,
        ),
        (
            "pkg @ dist/pkg-1.0.tar.gz",
            RequirementForm.DIRECT_URL,
            "pkg",
            (),
            "",
            "dist/pkg-1.0.tar.gz",
            None,
            None,
        ),
    ],
)
def test_requirement_text_is_classified_without_looking_anything_up(
    line: str,
    form: RequirementForm,
    name: str | None,
    extras: tuple[str, ...],
    specifier: str,
    url: str | None,
    path: str | None,
    markers: str | None,
) -> None:
    req = only(parse(line + "\n"))
    assert (req.form, req.name, req.extras, req.specifier, req.url, req.path, req.markers) == (
        form,
        name,
        extras,
        specifier,
        url,
        path,
        markers,
    )
    assert req.text == line
    assert not req.is_editable


def test_paths_stay_relative_as_written_and_keep_the_files_directory(in_tmp: Path) -> None:
    write("sub/req.txt", "./proj\n")
    req = only(parse_requirements_file("sub/req.txt"))
    assert req.path == "./proj"  # pip resolves it against the working directory, not sub/
    assert req.base_dir == str(in_tmp / "sub")


@pytest.mark.parametrize(
    ("line", "form", "name", "extras", "url", "path"),
    [
        ("-e ./proj", RequirementForm.PATH, None, (), None, "./proj"),
        ("--editable=./proj[Test,docs]", RequirementForm.PATH, None, ("docs", "test"), None, "./proj"),
        (
            "-e git+https://g.example/r.git#egg=r",
            RequirementForm.URL,
            "r",
            (),
            "git+https://g.example/r.git#egg=r",
            None,
        ),
        (
            "-e git://g.example/r.git#egg=r",
            RequirementForm.URL,
            "r",
            (),
            "git+git://g.example/r.git#egg=r",
            None,
        ),
        (
            "-e \"r[x] @ git+https://g.example/r.git ; python_version > '3'\"",
            RequirementForm.DIRECT_URL,
            "r",
            ("x",),
            "git+https://g.example/r.git",
            None,
        ),
        ("-e file:///srv/proj#egg=proj", RequirementForm.URL, "proj", (), "file:///srv/proj#egg=proj", None),
    ],
)
def test_editable_forms(
    line: str,
    form: RequirementForm,
    name: str | None,
    extras: tuple[str, ...],
    url: str | None,
    path: str | None,
) -> None:
    req = only(parse(line + "\n"))
    assert req.is_editable
    assert (req.form, req.name, req.extras, req.url, req.path) == (form, name, extras, url, path)


def test_requirement_before_an_editable_option_wins_and_is_editable() -> None:
    req = only(parse("./proj -e ./other\n"))
    assert (req.text, req.is_editable) == ("./proj", True)


def test_vcs_url_tells_its_kind() -> None:
    assert only(parse("git+https://g.example/r#egg=r\n")).is_vcs
    assert not only(parse("https://example.com/p.tar.gz\n")).is_vcs


@pytest.mark.parametrize(
    ("line", "message", "hint"),
    [
        ("foo=1.0", "invalid requirement 'foo=1.0': Expected semicolon", "= is not a valid operator"),
        ("foo; python_version >", "invalid requirement 'foo': invalid marker 'python_version >'", None),
        ("https://example.com/p.zip#egg=p>=1", "the 'p>=1' egg fragment is invalid", "version specifiers"),
        ("https://example.com/broken.whl", "Invalid wheel filename", None),
        ("git://g.example/r#egg=r", "invalid requirement 'git://g.example/r#egg=r'", "git+https://"),
        ("file://otherhost/p.tar.gz", "non-local file URLs are not supported", None),
        (
            "-e https://example.com/p.tar.gz",
            "https://example.com/p.tar.gz is not a valid editable requirement",
            "VCS",
        ),
        (
            "-e git+https://g.example/r.git",
            "could not detect requirement name for",
            "your_package_name @ URL",
        ),
        ("./proj[not valid]", "invalid extras '[not valid]'", None),
    ],
)
def test_invalid_requirements_say_what_is_wrong_with_file_and_line(
    line: str, message: str, hint: str | None
) -> None:
    error = error_of(f"# first\n{line}\n")
    assert str(error).startswith(f"req.txt:2: {message}")
    assert f"(from line: {line!r})" in str(error)
    assert "\n" not in str(error)
    if hint is None:
        assert error.hint is None
    else:
        assert error.hint is not None and hint in error.hint


def test_editable_in_a_constraints_file_is_an_error() -> None:
    error = error_of("-e ./proj\n", name="constraints.txt", constraint=True)
    assert str(error).startswith("constraints.txt:1: editable requirements are not allowed as constraints")


def test_error_in_a_nested_file_points_at_the_nested_line(in_tmp: Path) -> None:
    write("inner.txt", "ok\n\nflask >=\n")
    error = error_of("-r inner.txt\n")
    assert error.location == SourceLocation(str(in_tmp / "inner.txt"), 3)


def test_error_after_a_continuation_points_at_the_first_line() -> None:
    assert error_of("ok\nfoo \\\n  ==1.0 \\\n  bar\n").location == SourceLocation("req.txt", 2)


# --------------------------------------------------------------------------------------------------------
# Several files, and the contract of the layer


def test_several_files_are_read_constraints_first_then_requirements_in_order() -> None:
    write("a.txt", "a\n--extra-index-url https://a.example\n")
    write("b.txt", "b\n")
    write("c.txt", "c<2\n-i https://c.example\n")
    result = parse_requirements_files(["a.txt", "b.txt"], ["c.txt"], environ={})
    assert [(r.text, r.is_constraint) for r in result.requirements] == [
        ("c<2", True),
        ("a", False),
        ("b", False),
    ]
    assert result.options.index_urls() == ("https://c.example", "https://a.example")
    assert result.files == ("c.txt", "a.txt", "b.txt")


def test_paths_can_be_path_objects(in_tmp: Path) -> None:
    write("req.txt", "requests\n")
    assert texts(parse_requirements_file(in_tmp / "req.txt")) == ["requests"]


def test_parsing_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    parse(f"--hash={SHA_A}\n./missing-dir\nfoo.tar.gz\n-e ./x\n")
    with pytest.raises(RequirementsFileError):
        parse("foo=1\n")
    assert capsys.readouterr() == ("", "")


def test_results_are_frozen_and_hashable() -> None:
    result = parse(f"attrs --hash={SHA_A} -C a=b\n--pre\n")
    with pytest.raises(AttributeError):
        result.requirements[0].text = "x"  # type: ignore[misc]
    assert hash(result) == hash(parse(f"attrs --hash={SHA_A} -C a=b\n--pre\n"))


def test_error_is_one_line_with_exit_code_one() -> None:
    error = error_of("requests\nfoo==\n")
    assert error.exit_code == 1
    assert "\n" not in str(error)
    assert os.fspath(error.location.path if error.location else "") == "req.txt"
