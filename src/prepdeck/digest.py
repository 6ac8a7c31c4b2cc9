"""The short, stable hash that build states and note types are compared by."""

from __future__ import annotations

import hashlib


def digest(*parts: str) -> str:
    """A short, stable hash of some strings (64 bits: collisions are not a practical risk).

    Each part is followed by \x1f. Committed build states hold these hashes, so the bytes
    hashed must never change: a change would report every note as edited.
    """
    joined = "".join(part + "\x1f" for part in parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:16]
