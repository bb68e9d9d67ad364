"""Where the source is in its text, and how deeply it nests: measured before anything is built.

The parser (engine.parser) bounds bracket and expression depth with these before it builds a
node, and reports positions in characters, as people count them.
"""

from __future__ import annotations

import ast

from engine.errors import EngineError


def char_column(lines: list[bytes], line: int, byte_offset: int) -> int:
    """ast gives UTF-8 byte offsets; people count characters, from 1."""
    if 1 <= line <= len(lines):
        return len(lines[line - 1][:byte_offset].decode("utf-8", errors="ignore")) + 1
    return byte_offset + 1


def check_brackets(source: str, max_depth: int) -> None:
    depth, line, column, in_comment = 0, 1, 0, False
    for char in source:
        column += 1
        if char == "\n":
            line, column, in_comment = line + 1, 0, False
        elif in_comment:
            continue
        elif char == "#":
            in_comment = True
        elif char in "([{":
            depth += 1
            if depth > max_depth:
                raise EngineError(
                    "too_deep",
                    f"brackets nested deeper than {max_depth} levels at '{char}'",
                    line,
                    column,
                    params={"limit": max_depth, "text": char},
                )
        elif char in ")]}":
            depth -= 1


def expression_depth(root: ast.AST) -> int:
    """The depth of the tree as ast.iter_child_nodes walks it (an operator or a Name's context
    counts as a level); the node types the language allows are read directly, being most."""
    deepest, stack = 0, [(root, 1)]
    while stack:  # iterative, so depth itself cannot overflow the stack
        node, depth = stack.pop()
        kind = type(node)
        if kind is ast.Constant:
            deepest = max(deepest, depth)
        elif kind is ast.Name:
            deepest = max(deepest, depth + 1)  # its ctx
        elif kind is ast.BinOp:
            stack.append((node.left, depth + 1))
            stack.append((node.right, depth + 1))
        elif kind is ast.UnaryOp:
            stack.append((node.operand, depth + 1))
        elif kind is ast.Call and not node.keywords:
            stack.append((node.func, depth + 1))
            stack.extend([(arg, depth + 1) for arg in node.args])
        else:
            deepest = max(deepest, depth)
            stack.extend([(child, depth + 1) for child in ast.iter_child_nodes(node)])
    return deepest
