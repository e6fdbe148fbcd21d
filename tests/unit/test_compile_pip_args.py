"""``pip compile --pip-args``: pip install's options, as pip's parser left them, over pip's configuration."""

from __future__ import annotations

import copy
from types import SimpleNamespace

from pipcompat.commands.pip_compile import IndexOptions, apply_pip_arg


def test_binary_rules_from_pip_args_end_over_the_configured_ones_as_in_pip() -> None:
    options = IndexOptions()
    options.no_binary.add("foo")  # from pip.conf
    apply_pip_arg(options, "format_control", SimpleNamespace(no_binary=set(), only_binary={":all:"}))
    assert (options.no_binary, options.only_binary) == (set(), {":all:"})

    # --no-binary :all: --no-binary baz --only-binary qux over a configured only-binary bar
    options = IndexOptions()
    options.only_binary.add("bar")
    apply_pip_arg(options, "format_control", SimpleNamespace(no_binary={":all:", "baz"}, only_binary={"qux"}))
    assert (options.no_binary, options.only_binary) == ({":all:", "baz"}, {"qux"})


def test_index_and_session_options_from_pip_args_are_applied_and_others_left() -> None:
    options = IndexOptions()
    options.extra_index_urls.append("https://configured.example/simple")
    for dest, value in {
        "index_url": "https://i.example/simple",
        "extra_index_urls": ["https://e.example/simple"],
        "timeout": 5.0,
        "retries": 2,
        "no_proxy_env": True,
        "ignore_dependencies": True,
        "progress_bar": "off",
    }.items():
        apply_pip_arg(options, dest, value)
    assert options.index_url == "https://i.example/simple"
    assert options.extra_index_urls == ["https://configured.example/simple", "https://e.example/simple"]
    assert (options.timeout, options.retries, options.no_proxy_env) == (5.0, 2, True)
    assert options.origins["index-url"] == "--pip-args"
    # the options without effect on a resolution leave every field as it was
    before = copy.deepcopy(options)
    for dest, value in {"ignore_dependencies": True, "progress_bar": "off", "upgrade": True}.items():
        apply_pip_arg(options, dest, value)
    assert options == before
