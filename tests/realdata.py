"""Small, deliberately simple extractors of real messages for contract tests.

These are not the product's transcript readers (those come with the checker);
they pull whole JSON messages out of the shared corpus so the seed contracts
can be validated against what real QEMU sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def socat_messages(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    """Yield (direction, message) for each one-line message of a ``socat -v`` log.

    Direction is ``>`` (client to QEMU) or ``<`` (QEMU to client).
    """
    direction = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line[:2] in ("> ", "< ") and line[2:4] == "20":
            direction = line[0]
            continue
        text = line[:-2] if line.endswith("\\r") else line
        if text.startswith("{"):
            value = json.loads(text)
            assert isinstance(value, dict)
            yield direction, value


def replies_messages(path: Path) -> list[dict[str, object]]:
    """Every JSON object of a libvirt ``.replies`` file, in order."""
    decoder = json.JSONDecoder()
    text = path.read_text(encoding="utf-8")
    out: list[dict[str, object]] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return out
        value, index = decoder.raw_decode(text, index)
        assert isinstance(value, dict)
        out.append(value)
