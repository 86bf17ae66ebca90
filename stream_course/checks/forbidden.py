""" "Write it yourself": find the built-ins an exercise may not call, in the student's source.

Values cannot tell ``F.layer_norm`` from a hand-written LayerNorm, so the source is read (AST):
an attribute ``anything.layer_norm``, ``from ... import layer_norm``, or ``getattr(x, "layer_norm")``
is a use. Dynamic look-ups that could hide one (``getattr`` with a computed name, ``eval``,
``exec``, ``__import__``, ``importlib``, ``__dict__``, ``vars``) are not proof, so they are only
flagged for an instructor to read. The same scan runs in the visible self-check, so students learn
the rule before they submit, and in the grader, on the submitted cells.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from stream_course.checks.toolkit import fail

# No exercise may compute its answer with transformers' GPT-2 modules or model classes.
GPT2_MODULES = (
    "GPT2Model",
    "GPT2LMHeadModel",
    "GPT2Block",
    "GPT2Attention",
    "GPT2MLP",
    "Conv1D",
    "AutoModel",
    "AutoModelForCausalLM",
    "eager_attention_forward",
)
DYNAMIC = ("eval", "exec", "__import__", "compile", "vars", "globals")


@dataclass
class Findings:
    uses: list[str] = field(default_factory=list)  # forbidden names called: the part scores 0
    suspicious: list[str] = field(default_factory=list)  # for an instructor to read


def scan(source: str, names: Iterable[str]) -> Findings:
    """Forbidden ``names`` (last components, e.g. "layer_norm", "LayerNorm") used in ``source``."""
    names = set(names)
    found = Findings()
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return found  # the cell does not run either; its checks fail on their own
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in names:
                found.uses.append(ast.unparse(node))
            elif node.attr in ("__dict__", "__getattribute__"):
                found.suspicious.append(ast.unparse(node))
        elif isinstance(node, ast.ImportFrom):
            found.uses += [
                f"from {node.module} import {a.name}" for a in node.names if a.name in names
            ]
            if any(a.name == "*" for a in node.names):  # may bring any of them in unnamed
                found.suspicious.append(f"from {node.module} import *")
            if node.module and node.module.split(".")[0] == "importlib":
                found.suspicious.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found.suspicious += [f"import {a.name}" for a in node.names if a.name == "importlib"]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "getattr" and len(node.args) >= 2:
                key = node.args[1]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    if key.value in names:
                        found.uses.append(ast.unparse(node))
                else:
                    found.suspicious.append(ast.unparse(node))
            elif node.func.id in DYNAMIC:
                found.suspicious.append(ast.unparse(node)[:80])
    return found


def _bound_names(statement: ast.stmt) -> list[str]:
    """Names a top-level statement binds: a function or class, assignment targets, imports."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return [alias.asname or alias.name.split(".")[0] for alias in statement.names]
    targets = {
        ast.Assign: lambda s: s.targets,
        ast.AnnAssign: lambda s: [s.target],
        ast.AugAssign: lambda s: [s.target],
    }.get(type(statement))
    if targets is None:
        return []
    return [n.id for t in targets(statement) for n in ast.walk(t) if isinstance(n, ast.Name)]


def _top_level_bindings(sources: Sequence[str]) -> dict[str, str]:
    """Every name bound at the top level of ``sources`` -> the statement that binds it (the last
    one). ``from ... import *`` binds names no one can list: it is kept under "*"."""
    bound = {}
    for source in sources:
        try:
            tree = ast.parse(textwrap.dedent(source))
        except SyntaxError:
            continue
        for statement in tree.body:
            for name in _bound_names(statement):
                if name == "*":
                    bound["*"] = "\n".join(filter(None, [bound.get("*"), ast.unparse(statement)]))
                else:
                    bound[name] = ast.unparse(statement)
    return bound


def answer_source(answer_cell: str, other_cells: Sequence[str]) -> str:
    """The answer's cell, plus what it uses from the student's other cells (transitively): a
    helper function, an alias (``ln = F.layer_norm``) or an import written elsewhere counts as
    part of the answer, and so does any star import."""
    bound = _top_level_bindings(other_cells)
    sources, seen, todo = [answer_cell], set(), [answer_cell]
    if "*" in bound:
        sources.append(bound["*"])
    while todo:
        try:
            tree = ast.parse(textwrap.dedent(todo.pop()))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in bound and node.id not in seen:
                seen.add(node.id)
                sources.append(bound[node.id])
                todo.append(bound[node.id])
    return "\n\n".join(sources)


def message(name: str, uses: Sequence[str]) -> tuple[str, str]:
    listed = ", ".join(sorted(set(uses)))
    return (
        f"{name} must be written by hand, but it calls {listed}. This exercise does not allow "
        "that built-in: compute it with basic tensor operations.",
        f"{name}은(는) 직접 구현해야 하는데 {listed}을(를) 호출합니다. 이 연습에서는 그 내장 함수를 "
        "쓸 수 없습니다. 기본 tensor 연산으로 계산하세요.",
    )


def check_written_by_hand(function: Callable, names: Iterable[str], name: str) -> None:
    """Visible self-check: fail if ``function``'s own source calls a forbidden built-in."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return  # no source to read (a lambda typed at a prompt); the grader reads the cell
    uses = scan(source, names).uses
    if uses:
        fail(*message(name, uses))
