"""Reading a card file fast into plain Python values, when it is plain enough to be read that way.

The position-keeping reader (load.py) gives every value its line and column, which costs more than
anything else in a large build; most files have nothing to report, and need none. So a card file
is first read by yaml-rs (a YAML parser in Rust, ten times faster than PyYAML's C loader) into plain
values, and validated as plain values (cardfile.fast_card_file); a file that has any problem, or
anything this reader cannot vouch for, is read again by load.py, whose messages say where.

The values must be exactly those load.py would give, so this reader takes only files where the two
agree: no tags, anchors, aliases or directives (load.py refuses or limits them; yaml-rs would
silently apply them), no escaped UTF-16 halves, no YAML 1.1 line breaks (U+2028, U+2029). Every
other difference between YAML 1.1 (PyYAML) and 1.2 (yaml-rs) is in how an unquoted value is typed,
and the plain validation accepts only text, lists, mappings and true/false where the keys want
them; anything else goes to load.py. A test reads generated files both ways and compares.
"""

from __future__ import annotations

import re
from typing import Any

try:  # an accelerator, not a requirement: without it every file is read by load.py
    import yaml_rs
except ImportError:  # pragma: no cover - the wheel exists for every platform we support
    yaml_rs = None  # type: ignore[assignment]  # (mypy types the name as the module)

# Where a node may start (the start of a line, after "- ", ": ", "? ", or a flow "[", "{", ","), a
# '!' (tag), '&' (anchor) or '*' (alias); a '%' directive. Text like "fact **5**" does not match;
# a false alarm ("a, *b*") only sends the file to load.py. (Written to start with a character
# set, which the regular expression engine scans for quickly.)
_NODE_PROPERTIES = re.compile(r"[-?:\[{,\n][ \t]*[!&*%]")
_UNREADABLE_HERE = re.compile(r"\\[uU]0{0,4}[dD][89a-fA-F]|[\u2028\u2029]")


def read_plain(text: str) -> Any:
    """The file's document as plain values (dicts, lists, text, true/false, None), or None when
    this reader cannot vouch for them: then load.py reads the file."""
    if yaml_rs is None or text.lstrip(" \t")[:1] in ("!", "&", "*", "%") or _NODE_PROPERTIES.search(text):
        return None
    if _UNREADABLE_HERE.search(text):
        return None
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # noqa: BLE001 - any failure of the fast reader: load.py reads and explains
        return None
