"""Protobuf's wire format, read far enough for the few messages an Anki package holds.

Anki's `meta`, its media map and schema 18's note-type and template configs are protobuf messages
(rslib's proto/anki/*.proto). deckgen reads a handful of their fields by number, so a small reader
of the wire format does, rather than generated code for messages it would mostly skip.
"""

from __future__ import annotations

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
MAX_VARINT_BYTES = 10


Message = dict[int, list[int | bytes]]  # a message's values by field number, in order


class WireError(ValueError):
    """Bytes that are no protobuf message."""


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 7 * MAX_VARINT_BYTES, 7):
        if position >= len(data):
            raise WireError("a number is cut off")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value & 0xFFFF_FFFF_FFFF_FFFF, position
    raise WireError("a number is longer than protobuf allows")


def fields(data: bytes) -> Message:
    """Every value of a message by field number, in order: numbers for varints and fixed-size
    fields, bytes for length-delimited ones (strings, bytes, nested messages)."""
    found: Message = {}
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, kind = key >> 3, key & 7
        if number == 0:
            raise WireError("a field has number 0")
        value: int | bytes
        if kind == VARINT:
            value, position = _varint(data, position)
        elif kind in (FIXED64, FIXED32):
            size = 8 if kind == FIXED64 else 4
            if position + size > len(data):
                raise WireError("a number is cut off")
            value, position = int.from_bytes(data[position:position + size], "little"), position + size
        elif kind == LENGTH:
            size, position = _varint(data, position)
            if position + size > len(data):
                raise WireError("a text is cut off")
            value, position = data[position:position + size], position + size
        else:  # groups (3, 4) are deprecated and Anki writes none
            raise WireError(f"wire type {kind} is not one Anki writes")
        found.setdefault(number, []).append(value)
    return found


def number(message: Message, field: int, default: int = 0) -> int:
    """A varint field's value (the last one, as protobuf reads a repeated scalar)."""
    value = message.get(field, [default])[-1]
    if not isinstance(value, int):
        raise WireError(f"field {field} is not a number")
    return value


def raw(message: Message, field: int) -> bytes:
    value = message.get(field, [b""])[-1]
    if not isinstance(value, bytes):
        raise WireError(f"field {field} is not a text")
    return value


def text(message: Message, field: int) -> str:
    try:
        return raw(message, field).decode("utf-8")
    except UnicodeDecodeError:
        raise WireError(f"field {field} is not UTF-8 text") from None


def repeated(message: Message, field: int) -> list[Message]:
    """The nested messages of a repeated message field."""
    values = message.get(field, [])
    if not all(isinstance(value, bytes) for value in values):
        raise WireError(f"field {field} is not a message")
    return [fields(value) for value in values]  # type: ignore[arg-type]
