"""A lint rule over the tests themselves: no assert that cannot fail.

Caught, in every test module:
- an assert on a constant (`assert True`, `assert "text"`);
- `"a b" in s or "b" in s`: the longer alternative is implied by the shorter one;
- `x.returncode == 0` on the result of a call made with `check=True` (it raised already);
- `all(...)` over a collection not shown to be non-empty: `all()` of nothing is True. The
  collection passes when it is a non-empty literal or `range(n)`, or when an earlier assert in
  the same test (or the same assert, before the `all`) names it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _roots(node: ast.AST) -> set[str]:
    """The variable names an expression is built from (`secrets.values()` -> {"secrets"})."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _nonempty_literal(node: ast.AST) -> bool:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return bool(node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return bool(node.value)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and all(isinstance(a, ast.Constant) for a in node.args)
        and len(range(*[a.value for a in node.args])) > 0  # type: ignore[attr-defined]
    )


def _all_calls(node: ast.AST) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "all"
    ]


def _iterable(call: ast.Call) -> ast.AST | None:
    if not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        return arg.generators[0].iter
    return arg


def _checked_before(assert_: ast.Assert, call: ast.Call, earlier: list[ast.Assert]) -> bool:
    iterable = _iterable(call)
    if iterable is None or _nonempty_literal(iterable):
        return True
    names = _roots(iterable)
    if not names:
        return False
    for prior in earlier:
        if not _all_calls(prior.test) and names & _roots(prior.test):
            return True
    # `assert xs and all(... for x in xs)`: the left operands are checked first
    test = assert_.test
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        for operand in test.values:
            if call in list(ast.walk(operand)):
                break
            if names & _roots(operand):
                return True
    return False


def _implied_or(test: ast.AST) -> bool:
    if not (isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or)):
        return False
    needles = []
    for value in test.values:
        if not (
            isinstance(value, ast.Compare)
            and len(value.ops) == 1
            and isinstance(value.ops[0], ast.In)
            and isinstance(value.left, ast.Constant)
            and isinstance(value.left.value, str)
        ):
            return False
        needles.append((value.left.value, ast.dump(value.comparators[0])))
    return any(
        a != b and b in a and ha == hb for i, (a, ha) in enumerate(needles) for b, hb in needles[i:]
    ) or any(a != b and a in b and ha == hb for a, ha in needles for b, hb in needles)


def _checked_names(func: ast.AST) -> set[str]:
    """Names bound to the result of a call made with `check=True`."""
    names = set()
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and any(
                k.arg == "check" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in node.value.keywords
            )
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _own_asserts(node: ast.AST) -> Iterator[ast.Assert]:
    """The asserts of one function (or module), not of the functions defined inside it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(child, ast.Assert):
            yield child
        yield from _own_asserts(child)


def findings(source: str, filename: str = "<test>") -> list[str]:
    tree = ast.parse(source, filename)
    found: list[str] = []
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Module))]
    for func in functions:
        asserts = list(_own_asserts(func))
        asserts.sort(key=lambda n: (n.lineno, n.col_offset))
        checked = _checked_names(func)
        for i, node in enumerate(asserts):
            where = f"{filename}:{node.lineno}"
            test = node.test
            if isinstance(test, ast.Constant):
                found.append(f"{where}: assert on a constant cannot fail")
            if _implied_or(test):
                found.append(f"{where}: one alternative of this `or` implies the other")
            for cmp in (n for n in ast.walk(test) if isinstance(n, ast.Compare)):
                left = cmp.left
                if (
                    isinstance(left, ast.Attribute)
                    and left.attr == "returncode"
                    and isinstance(left.value, ast.Name)
                    and left.value.id in checked
                ):
                    found.append(f"{where}: returncode checked after check=True")
            for call in _all_calls(test):
                if not _checked_before(node, call, asserts[:i]):
                    found.append(f"{where}: all() over a collection that may be empty")
    return sorted(set(found))


def test_no_test_asserts_what_cannot_fail() -> None:
    problems = []
    for path in sorted(TESTS.rglob("*.py")):
        problems += findings(path.read_text(), str(path.relative_to(TESTS.parent)))
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        "def test():\n    assert True\n",
        "def test(s):\n    assert '7 unchanged' in s or 'unchanged' in s\n",
        "def test(run):\n    r = run('x', check=True)\n    assert r.returncode == 0\n",
        "def test(d):\n    assert all(v for v in d.values())\n",
        "def test(rows):\n    assert all(r['status'] == 200 for r in rows)\n",
    ],
)
def test_the_rule_catches_each_pattern(source: str) -> None:
    assert len(findings(source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        "def test(d):\n    assert len(d) == 3\n    assert all(v for v in d.values())\n",
        "def test(rows):\n    assert rows and all(r for r in rows)\n",
        "def test(get):\n    assert all(get() == 200 for _ in range(5))\n",
        "def test(run):\n    r = run('x', check=False)\n    assert r.returncode == 0\n",
        "def test(s):\n    assert 'a' in s or 'b' in s\n",
    ],
)
def test_the_rule_passes_what_can_fail(source: str) -> None:
    assert findings(source) == []
