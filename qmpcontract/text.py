"""Text for people: one way to cut a long quotation short."""

from __future__ import annotations

SHORT = 160  # characters: a quoted value, message or exception in a one-line report


def shorten(text: str, limit: int = SHORT) -> str:
    """*text* cut to *limit* characters, the cut marked with ``...``.

    >>> shorten("x" * 200)[-5:], len(shorten("x" * 200))
    ('xx...', 160)
    >>> shorten("short")
    'short'
    """
    return text if len(text) <= limit else text[: limit - 3] + "..."
