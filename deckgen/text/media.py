"""Media safety: a card's media file must be a real image or sound inside the project's media folder.

Paths are resolved before use, so `..`, absolute paths and links cannot reach outside the folder,
and a file's type is checked by its content, not only by its name: a script renamed `.png` stays out.
"""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

MAX_MEDIA_BYTES = 20_000_000


def _png(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _gif(head: bytes) -> bool:
    return head[:6] in (b"GIF87a", b"GIF89a")


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _ogg(head: bytes) -> bool:
    return head.startswith(b"OggS")


def _wav(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _m4a(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


# Extension → (what it is, content check). Only types every Anki client shows or plays; SVG is
# left out on purpose, as it can carry script.
MEDIA_TYPES = {
    ".png": ("a PNG image", _png),
    ".jpg": ("a JPEG image", _jpeg),
    ".jpeg": ("a JPEG image", _jpeg),
    ".gif": ("a GIF image", _gif),
    ".webp": ("a WebP image", _webp),
    ".mp3": ("an MP3 sound", _mp3),
    ".ogg": ("an Ogg sound", _ogg),
    ".wav": ("a WAV sound", _wav),
    ".m4a": ("an M4A sound", _m4a),
}


# The pictures a file's bytes can be told to be, whatever its name: a picture saved under another
# picture's extension (a .jpg named .png) is worth naming, with the name it should have.
PICTURES = (("a PNG image", ".png", _png), ("a JPEG image", ".jpg", _jpeg), ("a GIF image", ".gif", _gif),
            ("a WebP image", ".webp", _webp))


def media_problem(name: str, media_dir: Path, shown_media_dir: str,
                  named_in: str = "every mention in the card") -> str | None:
    """Why `name` cannot be used as a media file of a card, or None when it can; `named_in` says
    where the card names the file, for a file to rename."""
    if not name or "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
        return (
            f"media name '{name}' must be a plain file name inside {shown_media_dir}/ "
            "(no folders, no '..', not hidden)"
        )
    suffix = Path(name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        allowed = ", ".join(MEDIA_TYPES)
        return f"media file '{name}' is not a type cards may use: use one of {allowed}"
    path = media_dir / name
    if not path.exists() and not path.is_symlink():
        return f"media file '{name}' not found in {shown_media_dir}/: add the file or fix the name"
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return f"media file '{name}' is a broken link: put the file itself in {shown_media_dir}/"
    if media_dir.is_symlink():
        return f"{shown_media_dir}/ is a link to another folder: make it a real folder holding the files"
    if resolved.parent != media_dir.resolve():
        return f"media file '{name}' links to a file outside {shown_media_dir}/: copy the file in instead"
    status = resolved.stat()
    if not stat.S_ISREG(status.st_mode):
        return f"media file '{name}' is not a regular file: put an image or sound file there"
    if status.st_size > MAX_MEDIA_BYTES:
        return (
            f"media file '{name}' has {status.st_size:,} bytes; the limit is {MAX_MEDIA_BYTES:,}: "
            "make it smaller"
        )
    what, looks_right = MEDIA_TYPES[suffix]
    with resolved.open("rb") as file:
        head = file.read(16)
    if not looks_right(head):
        for picture, extension, is_picture in PICTURES:
            if is_picture(head):
                return (f"media file '{name}' is not {what}, whatever its name says: it is {picture}: rename it "
                        f"to {Path(name).stem}{extension}, and {named_in} with it")
        return f"media file '{name}' is not {what}, whatever its name says: save it again in that format"
    return None


def packaged_media_name(path: Path) -> str:
    """Flat and content-addressed: two files never collide, and a changed file gets a new name."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-")[:40] or "media"
    # The suffix too is cleaned: `path` may be a link's target, whose name no check has read
    # (a name like 'x" onerror="…' would otherwise reach a field's HTML).
    suffix = re.sub(r"[^a-z0-9]+", "", path.suffix.lower())[:10]
    return f"{stem}-{digest}.{suffix}" if suffix else f"{stem}-{digest}"
