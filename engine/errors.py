"""The one error type the engine raises: it names what is wrong and, when known, where."""

from __future__ import annotations


class EngineError(Exception):
    """A user-facing error: a machine-readable code, a sentence, and an optional source position."""

    def __init__(
        self,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        input_name: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.input_name = input_name  # the input the error is about, for a client to act on
        # What a page needs to word the error in its own language (name, text, shapes, limit, …):
        # JSON-ready values, sent beside `code` and `message`.
        self.params: dict[str, object] = dict(params or {})

    def __repr__(self) -> str:
        where = f" at {self.line}:{self.column}" if self.line is not None else ""
        return f"EngineError({self.code!r}{where}: {self.message})"
