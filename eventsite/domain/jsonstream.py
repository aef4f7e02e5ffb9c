"""Reading a JSON array one element at a time, so an import file of any length costs memory
for one record, not for the whole file. Pure: stdlib only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


class JSONStreamError(ValueError):
    """The file is not a JSON array of values; `line` and `column` say where (1-based)."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(f"line {line}, column {column}: {message}")
        self.message, self.line, self.column = message, line, column


class _Reader:
    def __init__(self, stream: TextIO, chunk_size: int):
        self.stream, self.chunk_size = stream, chunk_size
        self.buffer, self.pos = "", 0
        self.line, self.line_start = 1, 0  # line number at buffer[0]; offset of its start
        self.eof = False
        self.consumed = 0  # characters read past so far (for progress)

    def more(self) -> bool:
        """Read another chunk after the unread part; False (nothing moved) at the end."""
        if self.eof:
            return False
        try:
            chunk = self.stream.read(self.chunk_size)
        except UnicodeDecodeError as error:
            raise JSONStreamError("the file is not UTF-8 text", *self.where(len(self.buffer))
                                  ) from error
        if not chunk:
            self.eof = True
            return False
        done = self.buffer[:self.pos]
        newlines = done.count("\n")
        if newlines:
            self.line += newlines
            self.line_start = done.rfind("\n") + 1
        self.line_start -= self.pos
        self.consumed += self.pos
        self.buffer, self.pos = self.buffer[self.pos:] + chunk, 0
        return True

    def where(self, pos: int) -> tuple[int, int]:
        before = self.buffer[:pos]
        newlines = before.count("\n")
        if newlines:
            return self.line + newlines, pos - before.rfind("\n")
        return self.line, pos - self.line_start + 1

    def skip_space(self) -> str:
        """The next non-space character (not consumed); '' at the end of the file."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _SPACE:
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def fail(self, message: str):
        raise JSONStreamError(message, *self.where(self.pos))


def iter_json_array(stream: TextIO, chunk_size: int = 1 << 16) -> Iterator[tuple[object, int]]:
    """Yield (element, line it starts on) for each element of the JSON array in `stream`.
    Anything but one array, and nesting deeper than the decoder can follow, is refused with
    its place."""
    reader = _Reader(stream, chunk_size)
    if reader.skip_space() == "\ufeff":
        reader.pos += 1
    if reader.skip_space() != "[":
        reader.fail("an import file must hold a JSON list of events, starting with [")
    reader.pos += 1
    first = True
    while True:
        char = reader.skip_space()
        if char == "]":
            reader.pos += 1
            if reader.skip_space():
                reader.fail("unexpected text after the end of the list")
            return
        if not first:
            if char != ",":
                reader.fail("expected , or ] between events" if char else
                            "the file ends before the list is closed with ]")
            reader.pos += 1
            char = reader.skip_space()
        if not char:
            reader.fail("the file ends before the list is closed with ]")
        line = reader.where(reader.pos)[0]
        yield _element(reader), line
        first = False


def _element(reader: _Reader) -> object:
    while True:
        try:
            value, end = _DECODER.raw_decode(reader.buffer, reader.pos)
        except json.JSONDecodeError as error:
            # Perhaps only cut off by the end of the chunk: read on, unless the file ended.
            if reader.more():
                continue
            reader.pos = error.pos
            reader.fail(error.msg)
        except RecursionError:
            reader.fail("this event is nested too deeply to read (hundreds of levels of "
                        "[ or {)")
        except ValueError:  # Python refuses to convert integers of over 4,300 digits
            reader.fail("a number here is too long to read (thousands of digits)")
        # A number or word that reaches the end of the buffer may go on in the next chunk.
        if end == len(reader.buffer) and not reader.eof and reader.more():
            continue
        reader.pos = end
        return value
