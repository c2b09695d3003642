"""Arithmetic over metric ids, as written in a derived metric: ``(revenue - cost) / revenue``.

Parsed with :mod:`ast` and restricted to numbers, names, ``+ - * /`` and parentheses, so a config file
can never run code. The same tree is rendered back to text for the Definitions page.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Literal, TypeAlias

Op: TypeAlias = Literal["+", "-", "*", "/"]
_OPS: dict[type[ast.operator], Op] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another metric by id."""

    name: str


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp:
    op: Op
    left: Node
    right: Node


Node: TypeAlias = Ref | Num | Neg | BinOp


class ExpressionError(ValueError):
    """The text is not a valid derived-metric expression."""


#: Bounds on an expression (documented in docs/config.md): real formulas are a few terms long.
MAX_EXPRESSION_CHARS = 500
MAX_EXPRESSION_NODES = 100


def parse_expression(text: str) -> Node:
    """Parse ``text`` into a tree, or raise :class:`ExpressionError` saying what is not allowed."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"an expression of at most {MAX_EXPRESSION_CHARS} characters "
            f"(this one has {len(text):,}); split it into derived metrics"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            f"not a valid expression ({exc.msg} at column {exc.offset}); "
            "write metric ids with + - * / and parentheses, e.g. (revenue - cost) / revenue"
        ) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("an expression nested less deeply") from None
    nodes = sum(1 for _ in ast.walk(tree.body))
    if nodes > MAX_EXPRESSION_NODES:
        raise ExpressionError(
            f"an expression of at most {MAX_EXPRESSION_NODES} terms and operators "
            f"(this one has {nodes}); split it into derived metrics"
        )
    return _convert(tree.body)


def _convert(node: ast.expr) -> Node:
    if isinstance(node, ast.Name):
        return Ref(node.id)
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        try:
            value = float(node.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise ExpressionError(
                "numbers of at most about 1.8e308 (a double); found one too large"
            ) from None
        return Num(value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _convert(node.operand)
        return Neg(inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return BinOp(_OPS[type(node.op)], _convert(node.left), _convert(node.right))
    raise ExpressionError(
        f"'{ast.unparse(node)}' is not allowed; only metric ids, numbers, + - * / and parentheses are"
    )


def references(node: Node) -> tuple[str, ...]:
    """Metric ids used by the expression, in order of first appearance, without repeats."""
    found: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Ref):
            if n.name not in found:
                found.append(n.name)
        elif isinstance(n, Neg):
            walk(n.operand)
        elif isinstance(n, BinOp):
            walk(n.left)
            walk(n.right)

    walk(node)
    return tuple(found)


def render(node: Node) -> str:
    """The expression as text, fully parenthesised where precedence needs it."""
    if isinstance(node, Ref):
        return node.name
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Neg):
        return f"-{render(node.operand)}"
    left, right = render(node.left), render(node.right)
    if node.op in ("*", "/"):
        if isinstance(node.left, BinOp) and node.left.op in ("+", "-"):
            left = f"({left})"
        if isinstance(node.right, BinOp):
            right = f"({right})"
    elif node.op == "-" and isinstance(node.right, BinOp) and node.right.op in ("+", "-"):
        right = f"({right})"
    return f"{left} {node.op} {right}"
