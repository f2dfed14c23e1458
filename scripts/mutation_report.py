"""Summarise a `mutmut run` (the results it keeps in mutants/**/*.meta) as a Markdown report.

    python -m scripts.mutation_report [--out FILE] [--preface FILE]
        [--first-pass FILE | --save-first-pass FILE] [--fates FILE ...]

Per module and per package: killed, survived, timed out, no test reaches the mutant, and not
yet checked (a run stopped early). Score = killed / every checked mutant ("no tests" counts as
a survivor). Every survivor is listed by name (`mutmut show NAME` prints the change) with its
fate from the fates files (TOML: `[[fate]]` with `mutants` = names or globs, `kind`, `why`;
by default every `bench/results/mutation-fates*.toml`).

`--save-first-pass` records the results of a full run (per-module counts and the names of the
mutants not killed); `--first-pass` reads such a record back and adds a "first pass -> after"
table, so a report written after new tests shows both.

`--rechecked FILE` (JSON, mutant name -> exit code) applies verdicts from survivors run again
against newer tests outside `mutmut run` (same mutated sources, the mutant chosen with
`MUTANT_UNDER_TEST`); the report says which verdicts came from there.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import tomllib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# mutmut's exit codes (mutmut/stats.py `status_by_exit_code`)
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    37: "killed",  # caught by the type checker
    None: "not checked",
}
COLUMNS = ["killed", "survived", "timeout", "no tests", "suspicious", "not checked"]
NOT_KILLED = ("survived", "no tests", "timeout", "suspicious")
# a mutant whose tests ran past mutmut's CPU limit did not pass them: caught, not killed outright
TIMEOUT_FATE = {
    "kind": "caught by timeout",
    "why": "the tests did not finish within mutmut's CPU-time limit (they did not pass)",
}
DEFAULT_FATES = "bench/results/mutation-fates*.toml"  # one file per area, read in name order

Results = dict[str, dict[str, int | None]]


def status(code: int | None) -> str:
    return STATUS.get(code, "suspicious")


def load(mutants: Path) -> Results:
    """Exit code per mutant, per module (`providers/kong_admin.py`)."""
    results = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = str(meta.relative_to(mutants))[: -len(".meta")]
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        if codes:
            results[module] = codes
    return results


class _Strings(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant("") if isinstance(node.value, str) else node


def text_only(mutants: Path, module: str, names: list[str]) -> set[str]:
    """Survivors whose change is inside a string literal only (message or description text)."""
    tree = ast.parse((mutants / module).read_text())
    bodies: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            name = node.name
            node.name = "f"
            bodies[name] = ast.dump(_Strings().visit(node))
    text = set()
    for full in names:
        local = full.rsplit(".", 1)[-1]
        orig = local.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
        if local in bodies and orig in bodies and bodies[local] == bodies[orig]:
            text.add(full)
    return text


def load_fates(paths: list[Path]) -> list[dict[str, Any]]:
    """The `[[fate]]` entries of every fates file, in order (the first match wins)."""
    fates: list[dict[str, Any]] = []
    for path in paths:
        for i, entry in enumerate(tomllib.loads(path.read_text()).get("fate", [])):
            missing = {"mutants", "kind", "why"} - set(entry)
            if missing:
                raise SystemExit(f"{path}: fate #{i + 1} lacks {sorted(missing)}")
            fates.append(entry)
    return fates


def fate_of(name: str, fates: list[dict[str, Any]]) -> dict[str, Any] | None:
    for entry in fates:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in entry["mutants"]):
            return entry
    return None


def counts_of(codes: dict[str, int | None]) -> Counter:
    return Counter(status(c) for c in codes.values())


def score(counts: Counter) -> str:
    checked = sum(counts[c] for c in COLUMNS if c != "not checked")
    return f"{100 * counts['killed'] / checked:.1f}%" if checked else "-"


def first_pass_record(results: Results) -> dict[str, Any]:
    """What `--save-first-pass` keeps: counts per module and the mutants not killed."""
    return {
        module: {
            "counts": dict(counts_of(codes)),
            "not_killed": sorted(n for n, c in codes.items() if status(c) in NOT_KILLED),
        }
        for module, codes in results.items()
    }


def _package(module: str) -> str:
    return module.split("/")[0] + "/"


def _first_pass_table(first: dict[str, Any], results: Results) -> list[str]:
    before: dict[str, Counter] = defaultdict(Counter)
    after: dict[str, Counter] = defaultdict(Counter)
    for module, record in first.items():
        before[_package(module)] += Counter(record["counts"])
    for module, codes in results.items():
        after[_package(module)] += counts_of(codes)
    lines = [
        "| package | mutants checked / all | killed, first pass | score, first pass |"
        " killed, after | score, after |",
        "|---|---|---|---|---|---|",
    ]
    for package in sorted(before.keys() | after.keys()):
        b, a = before[package], after[package]
        lines.append(
            f"| {package} | {sum(a.values()) - a['not checked']} / {sum(a.values())} |"
            f" {b['killed']} | {score(b)} | {a['killed']} | {score(a)} |"
        )
    killed_since = [
        name
        for module, record in first.items()
        for name in record["not_killed"]
        if status(results.get(module, {}).get(name)) == "killed"
    ]
    lines += [
        "",
        f"Killed by the new tests (not killed in the first pass): {len(killed_since)}."
        " Scores are over checked mutants only.",
    ]
    return lines


def apply_rechecked(results: Results, rechecked: dict[str, int]) -> Results:
    """The results with the re-checked verdicts in place of the ones mutmut recorded."""
    return {
        module: {name: rechecked.get(name, code) for name, code in codes.items()}
        for module, codes in results.items()
    }


def render(
    results: Results,
    mutants: Path,
    *,
    fates: list[dict[str, Any]] | None = None,
    first: dict[str, Any] | None = None,
    preface: str = "",
    rechecked: dict[str, int] | None = None,
) -> str:
    fates = fates or []
    rechecked = rechecked or {}
    if rechecked:
        if first is None:
            first = first_pass_record(results)
        results = apply_rechecked(results, rechecked)
    header = "| {} | " + " | ".join(COLUMNS) + " | text survivors | score | score without text |"
    rule = "|---" * (len(COLUMNS) + 4) + "|"
    packages: dict[str, Counter] = defaultdict(Counter)
    module_rows: list[str] = []
    survivors: dict[str, list[str]] = {}
    texts: dict[str, set[str]] = {}

    def row(name: str, counts: Counter) -> str:
        rest = Counter(counts)
        rest["survived"] -= counts["text"]
        return (
            f"| {name} | "
            + " | ".join(str(counts[c]) for c in COLUMNS)
            + f" | {counts['text']} | {score(counts)} | {score(rest)} |"
        )

    for module, codes in results.items():
        counts = counts_of(codes)
        names = sorted(n for n, c in codes.items() if status(c) in NOT_KILLED)
        text = text_only(mutants, module, [n for n in names if status(codes[n]) == "survived"])
        counts["text"] = len(text)
        packages[_package(module)] += counts
        module_rows.append(row(module, counts))
        if names:
            survivors[module], texts[module] = names, text

    lines = ["# Mutation testing report (`make mutate`)", ""]
    if preface:
        lines += [preface.rstrip(), ""]
    if first is not None:
        lines += ["## Per package, first pass -> after the new tests", ""]
        lines += _first_pass_table(first, results) + [""]
    lines += ["## Per package", "", header.format("package"), rule]
    lines += [row(package, counts) for package, counts in sorted(packages.items())]
    lines += ["", "## Per module", "", header.format("module"), rule, *module_rows]

    fate_counts: Counter = Counter()
    body: list[str] = []
    for module, names in survivors.items():
        text = texts[module]
        body.append(f"<details><summary>{module}: {len(names)} ({len(text)} text only)</summary>\n")
        for name in names:
            entry = fate_of(name, fates)
            if entry is None and status(results[module][name]) == "timeout":
                entry = TIMEOUT_FATE
            kind = entry["kind"] if entry else "not yet killed"
            fate_counts[kind] += 1
            tags = [status(results[module][name])] + (["text"] if name in text else [])
            if name in rechecked:
                tags.append("re-checked")
            why = f": {entry['why']}" if entry else ""
            body.append(f"- `{name}` ({', '.join(tags)}) **{kind}**{why}")
        body.append("\n</details>\n")
    lines += ["", "## Survivors and their fates", ""]
    lines.append(
        "Each mutant not killed (survived, reached by no fast test, timed out), with its fate"
        " from the fates file: `equivalent` (no test can tell it from the original),"
        " `engine only` (the change is seen only inside the engine's processes, which mutation"
        " runs do not reach; the engine test that covers it is named), or `not yet killed`."
        " `text` marks a survivor whose only change is inside a string literal."
    )
    lines += ["", "| fate | mutants |", "|---|---|"]
    lines += [f"| {kind} | {n} |" for kind, n in sorted(fate_counts.items())]
    lines += ["", *body]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--preface", type=Path, help="Markdown put under the title")
    parser.add_argument("--fates", type=Path, action="append", help="TOML; repeatable")
    parser.add_argument("--first-pass", type=Path, help="a record from --save-first-pass")
    parser.add_argument("--save-first-pass", type=Path, help="write this run's record")
    parser.add_argument(
        "--rechecked", type=Path, action="append", help="JSON: mutant name -> exit code; repeatable"
    )
    args = parser.parse_args()
    results = load(args.mutants)
    if args.save_first_pass:
        args.save_first_pass.write_text(json.dumps(first_pass_record(results), indent=1) + "\n")
    fate_files = args.fates or sorted(Path().glob(DEFAULT_FATES))
    text = render(
        results,
        args.mutants,
        fates=load_fates(fate_files),
        first=json.loads(args.first_pass.read_text()) if args.first_pass else None,
        preface=args.preface.read_text() if args.preface else "",
        rechecked={
            k: v for f in args.rechecked or [] for k, v in json.loads(f.read_text()).items()
        },
    )
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
