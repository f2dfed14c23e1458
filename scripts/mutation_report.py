"""Summarise a `mutmut run` (the results it keeps in mutants/**/*.meta) as a Markdown report.

    python -m scripts.mutation_report [--out FILE]

Per module and per package: killed, survived, timed out, no test reaches the mutant, and not
yet checked (a run stopped early). Score = killed / every checked mutant (no-test counts as a
survivor). The survivors are listed by name; `mutmut show NAME` prints the change.
"""

from __future__ import annotations

import argparse
import ast
import json
from collections import Counter, defaultdict
from pathlib import Path

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


def status(code: int | None) -> str:
    return STATUS.get(code, "suspicious")


def load(mutants: Path) -> dict[str, dict[str, int | None]]:
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


def score(counts: Counter) -> str:
    checked = sum(counts[c] for c in COLUMNS if c != "not checked")
    return f"{100 * counts['killed'] / checked:.1f}%" if checked else "-"


def render(results: dict[str, dict[str, int | None]], mutants: Path) -> str:
    header = "| {} | " + " | ".join(COLUMNS) + " | text survivors | score | score without text |"
    rule = "|---" * (len(COLUMNS) + 4) + "|"
    lines = [header.format("module"), rule]
    packages: dict[str, Counter] = defaultdict(Counter)
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
        counts = Counter(status(c) for c in codes.values())
        names = sorted(n for n, c in codes.items() if status(c) in ("survived", "no tests"))
        text = text_only(mutants, module, [n for n in names if status(codes[n]) == "survived"])
        counts["text"] = len(text)
        packages[module.split("/")[0]] += counts
        lines.append(row(module, counts))
        if names:
            survivors[module], texts[module] = names, text
    lines += ["", header.format("package"), rule]
    for package, counts in sorted(packages.items()):
        lines.append(row(f"{package}/", counts))
    lines += ["", "## Survivors (and mutants no fast test reaches)", ""]
    lines.append(
        "`text` marks a survivor whose only change is inside a string literal (a description"
        ' or message wording): the behaviour is the same. "Score without text" sets them aside.'
    )
    lines.append("")
    for module, names in survivors.items():
        text = texts[module]
        lines.append(
            f"<details><summary>{module}: {len(names)} ({len(text)} text only)</summary>\n"
        )
        lines += [f"- `{n}`" + (" text" if n in text else "") for n in names]
        lines.append("\n</details>\n")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = render(load(args.mutants), args.mutants)
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
