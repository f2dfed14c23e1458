"""The mutation report script over a small mutants/ tree laid out as mutmut 3 writes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import mutation_report as report

SOURCE = """
def x_f__mutmut_orig(a):
    return a + 1
def x_f__mutmut_1(a):
    return a - 1
def x_f__mutmut_2(a):
    return a + 2
def x_g__mutmut_orig():
    return "hello"
def x_g__mutmut_1():
    return "XXhelloXX"
def x_g__mutmut_2():
    return None
"""


def _tree(root: Path, codes: dict[str, int | None]) -> Path:
    mutants = root / "mutants"
    (mutants / "pkg").mkdir(parents=True)
    (mutants / "pkg" / "mod.py").write_text(SOURCE)
    (mutants / "pkg" / "mod.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    return mutants


FIRST = {
    "pkg.mod.x_f__mutmut_1": 1,
    "pkg.mod.x_f__mutmut_2": 0,
    "pkg.mod.x_g__mutmut_1": 0,
    "pkg.mod.x_g__mutmut_2": 33,
}


def test_counts_score_and_text_survivors(tmp_path: Path) -> None:
    mutants = _tree(tmp_path, FIRST)
    text = report.render(report.load(mutants), mutants)
    # 1 killed of 4 checked; the "XXhelloXX" survivor changes a string only
    assert "| pkg/mod.py | 1 | 2 | 0 | 1 | 0 | 0 | 1 | 25.0% | 33.3% |" in text
    assert "| pkg/ | 1 | 2 | 0 | 1 | 0 | 0 | 1 | 25.0% | 33.3% |" in text
    assert "- `pkg.mod.x_g__mutmut_1` (survived, text) **not yet killed**" in text
    assert "- `pkg.mod.x_g__mutmut_2` (no tests) **not yet killed**" in text
    assert "x_f__mutmut_1`" not in text  # killed mutants are not listed


def test_fates_are_matched_by_name_or_glob_first_match_wins(tmp_path: Path) -> None:
    mutants = _tree(tmp_path, FIRST)
    fates_file = tmp_path / "fates.toml"
    fates_file.write_text(
        '[[fate]]\nmutants = ["pkg.mod.x_g__mutmut_2"]\nkind = "engine only"\n'
        'why = "seen by tests/e2e"\n'
        '[[fate]]\nmutants = ["pkg.mod.x_g__*", "pkg.mod.x_f__mutmut_2"]\n'
        'kind = "equivalent"\nwhy = "same output"\n'
    )
    text = report.render(report.load(mutants), mutants, fates=report.load_fates([fates_file]))
    assert "- `pkg.mod.x_g__mutmut_2` (no tests) **engine only**: seen by tests/e2e" in text
    assert "- `pkg.mod.x_g__mutmut_1` (survived, text) **equivalent**: same output" in text
    assert "| equivalent | 2 |" in text and "| engine only | 1 |" in text
    assert "**not yet killed**" not in text


def test_a_fate_without_a_reason_is_refused(tmp_path: Path) -> None:
    fates_file = tmp_path / "fates.toml"
    fates_file.write_text('[[fate]]\nmutants = ["a"]\nkind = "equivalent"\n')
    with pytest.raises(SystemExit, match=r"fate #1 lacks \['why'\]"):
        report.load_fates([fates_file])


def test_first_pass_then_after(tmp_path: Path) -> None:
    first = report.first_pass_record(report.load(_tree(tmp_path / "a", FIRST)))
    assert first["pkg/mod.py"]["not_killed"] == [
        "pkg.mod.x_f__mutmut_2",
        "pkg.mod.x_g__mutmut_1",
        "pkg.mod.x_g__mutmut_2",
    ]
    after = _tree(tmp_path / "b", {**FIRST, "pkg.mod.x_f__mutmut_2": 1})
    text = report.render(report.load(after), after, first=first)
    assert "| pkg/ | 4 / 4 | 1 | 25.0% | 2 | 50.0% |" in text
    assert "Killed by the new tests (not killed in the first pass): 1." in text


def test_mutation_runs_the_fast_test_dirs_without_engine_tests() -> None:
    # README: mutants run against tests/policies, tests/provider and tests/program, engine-marked
    # tests excluded; a test elsewhere is never run against a mutant
    import tomllib

    repo = Path(__file__).resolve().parents[1]
    config = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["mutmut"]
    assert config["source_paths"] == ["providers", "components", "policies"]
    assert config["pytest_add_cli_args_test_selection"] == [
        "tests/policies",
        "tests/provider",
        "tests/program",
    ]
    args = config["pytest_add_cli_args"]
    assert args[args.index("-m") + 1] == "not engine"


def test_rechecked_verdicts_replace_the_recorded_ones_and_are_marked(tmp_path: Path) -> None:
    mutants = _tree(tmp_path, FIRST)
    text = report.render(
        report.load(mutants),
        mutants,
        rechecked={"pkg.mod.x_f__mutmut_2": 1, "pkg.mod.x_g__mutmut_2": 0},
    )
    # first pass: 1 of 4 killed; after the re-check: 2 of 4
    assert "| pkg/ | 4 / 4 | 1 | 25.0% | 2 | 50.0% |" in text
    assert "x_f__mutmut_2`" not in text
    assert "- `pkg.mod.x_g__mutmut_2` (survived, re-checked) **not yet killed**" in text
    assert "- `pkg.mod.x_g__mutmut_1` (survived, text) **not yet killed**" in text


def test_a_timed_out_mutant_is_reported_as_caught_by_timeout(tmp_path: Path) -> None:
    mutants = _tree(tmp_path, {**FIRST, "pkg.mod.x_f__mutmut_2": -24})
    text = report.render(report.load(mutants), mutants)
    assert "| pkg/mod.py | 1 | 1 | 1 | 1 | 0 | 0 | 1 | 25.0% | 33.3% |" in text
    assert "- `pkg.mod.x_f__mutmut_2` (timeout) **caught by timeout**: the tests did not" in text
