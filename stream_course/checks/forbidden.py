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
import symtable
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
# The course's own package: its checks hold pieces of right answers (a hint is a near-answer).
COURSE_PACKAGE = "stream_course"
COURSE_DATA = "stream_course.models"  # load_model(): the lesson's model, which answers may read


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
            elif (
                node.attr in ("__dict__", "__getattribute__") or ast.unparse(node) == "sys.modules"
            ):
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


def _globals_used(statement: str) -> set[str]:
    """The module-level names a top-level statement reads when it runs or when the functions it
    defines run (Python's own scoping, from symtable: a function's parameters and locals are
    not globals)."""
    try:
        top = symtable.symtable(statement, "<cell>", "exec")
    except SyntaxError:
        return set()
    used = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    tables = list(top.get_children())
    while tables:
        table = tables.pop()
        tables += table.get_children()
        used |= {s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global()}
    return used


def _without_expressions(cell: str) -> str:
    """A cell without its top-level expressions (a self-check called after the answer)."""
    try:
        tree = ast.parse(textwrap.dedent(cell))
    except SyntaxError:
        return cell
    return "\n".join(ast.unparse(s) for s in tree.body if not isinstance(s, ast.Expr))


def _course_code(module: str) -> bool:
    return module.split(".")[0] == COURSE_PACKAGE and module != COURSE_DATA


def course_uses(name: str, answer_cell: str, other_cells: Sequence[str]) -> list[str]:
    """Where the answer ``name`` reaches into the course's own package: through the names its
    definition reads, followed from cell to cell (the notebook's given set-up cell included)
    to an import of the course's code, or the package's name in a string
    (``sys.modules["stream_course..."]``). The lesson's model loader is the lesson's data."""
    bound = _top_level_bindings([*other_cells, answer_cell])
    found, seen, todo = [], {name}, [bound.get(name) or _without_expressions(answer_cell)]
    while todo:
        statement = todo.pop()
        try:
            tree = ast.parse(statement)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if _course_code(node.module or ""):
                    names = ", ".join(alias.name for alias in node.names)
                    found.append(f"from {node.module} import {names}")
            elif isinstance(node, ast.Import):
                found += [
                    f"import {alias.name}" for alias in node.names if _course_code(alias.name)
                ]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if COURSE_PACKAGE in node.value:
                    found.append(repr(node.value)[:80])
        for used in _globals_used(statement) - seen:
            seen.add(used)
            if used in bound:
                todo.append(bound[used])
    return found


def course_message(name: str, uses: Sequence[str]) -> tuple[str, str]:
    listed = ", ".join(sorted(set(uses)))
    return (
        f"{name} uses the course's own code ({listed}). The course's checks are there to test "
        "your answer, not to compute it: write it yourself with tensor operations.",
        f"{name}이(가) 강의 패키지의 코드({listed})를 사용합니다. 강의의 검사 코드는 답을 "
        "확인하려고 있는 것이지 답을 계산하려고 있는 것이 아닙니다. tensor 연산으로 직접 작성하세요.",
    )


def message(name: str, uses: Sequence[str]) -> tuple[str, str]:
    listed = ", ".join(sorted(set(uses)))
    return (
        f"{name} must be written by hand, but it calls {listed}. This exercise does not allow "
        "that built-in: compute it with basic tensor operations.",
        f"{name}은(는) 직접 구현해야 하는데 {listed}을(를) 호출합니다. 이 연습에서는 그 내장 함수를 "
        "쓸 수 없습니다. 기본 tensor 연산으로 계산하세요.",
    )


def check_written_by_hand(function: Callable, names: Iterable[str], name: str) -> None:
    """Visible self-check: fail if ``function`` calls into the course's own code, or if its own
    source calls a forbidden built-in."""
    course = _course_globals(function)
    if course:
        fail(*course_message(name, course))
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return  # no source to read (a lambda typed at a prompt); the grader reads the cell
    uses = scan(source, names).uses
    if uses:
        fail(*message(name, uses))


def _course_globals(function: Callable) -> list[str]:
    """Names ``function``'s code looks up that hold the course's own modules or functions."""
    code, names = getattr(function, "__code__", None), set()
    todo = [code] if code is not None else []
    while todo:  # nested functions and comprehensions have code objects of their own
        current = todo.pop()
        names.update(current.co_names)
        todo += [c for c in current.co_consts if hasattr(c, "co_names")]
    found = []
    for looked_up in sorted(names):
        value = getattr(function, "__globals__", {}).get(looked_up)
        if inspect.ismodule(value):
            module = value.__name__
        elif inspect.isroutine(value) or inspect.isclass(value):  # not a model it was handed
            module = getattr(value, "__module__", None)
        else:
            continue
        if isinstance(module, str) and module.split(".")[0] == COURSE_PACKAGE:
            found.append(looked_up)
    return found
