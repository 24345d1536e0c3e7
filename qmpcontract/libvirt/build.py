"""Make the libvirt usage data (``libvirt-usage.json``) from the corpus.

``qmpcontract libvirt-usage build --corpus DIR -o FILE`` reads every
``DIR/libvirt-usage/libvirt-<version>-qmp-usage.json`` (facts extracted from
libvirt's release tarballs, see that directory's README) and writes them as one
compact file, one release per key and line, so that a change diffs small.
Every schema probe is checked against the probe language on the way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from qmpcontract.errors import InputError, InputReadError, UsageError
from qmpcontract.libvirt.probes import ProbeSyntaxError, parse_query
from qmpcontract.libvirt.usage import FORMAT, FORMAT_VERSION
from qmpcontract.location import Location

USAGE_DIR = "libvirt-usage"
_FILE = re.compile(r"libvirt-(\d+\.\d+\.\d+)-qmp-usage\.json")
# corpus key -> (data key, name key of each item) for the presence probes
_PROBED = {
    "commands_probed": ("commands-probed", "command"),
    "events_probed": ("events-probed", "event"),
    "object_types_probed": ("object-types-probed", "type"),
    "migration_capabilities_probed": ("migration-capabilities-probed", "capability_name"),
}
_NAMES = {
    "commands_sent": "commands-sent",
    "events_handled": "events-handled",
    "error_classes_matched": "error-classes-matched",
}


def build(corpus: Path) -> dict[str, Any]:
    """The usage data document of every libvirt release in *corpus*.

    :raise InputReadError: if the corpus has no usage files.
    :raise InputError: if a usage file is not JSON or lacks what the data needs,
        or one of its schema probes is not in the probe language.
    """
    directory = corpus / USAGE_DIR
    found = sorted(
        (p for p in directory.glob("libvirt-*-qmp-usage.json") if _FILE.fullmatch(p.name)),
        key=lambda p: _version_key(_FILE.fullmatch(p.name)),
    )
    if not found:
        raise InputReadError(
            "no libvirt-<version>-qmp-usage.json files here", Location(str(directory))
        )
    releases = [_release(path, f"{USAGE_DIR}/{path.name}") for path in found]
    return {"format": FORMAT, "version": FORMAT_VERSION, "releases": releases}


def _version_key(match: re.Match[str] | None) -> tuple[int, ...]:
    assert match is not None
    return tuple(int(p) for p in match.group(1).split("."))


def _release(path: Path, origin: str) -> dict[str, Any]:
    where = Location(str(path))
    try:
        raw = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise InputReadError(f"cannot read: {exc.strerror or exc}", where) from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", where) from exc
    try:
        return _convert(raw, origin)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"not a libvirt usage file: {exc}", where) from exc


def _convert(raw: Mapping[str, Any], origin: str) -> dict[str, Any]:
    version = raw["libvirt_version"]
    if not isinstance(version, str):
        raise TypeError("libvirt_version must be a string")
    probes = []
    for item in raw["schema_queries"]:
        try:
            parse_query(item["query"])
        except ProbeSyntaxError as exc:
            raise ValueError(str(exc)) from exc
        probes.append([_text(item["query"]), _text(item["capability"]), _text(item["xml_flag"])])
    entry: dict[str, Any] = {
        "libvirt": version,
        "source": _text(raw["source"]),
        "origin": origin,
        "schema-probes": probes,
    }
    for key, (out, name) in _PROBED.items():
        entry[out] = [
            [_text(i[name]), _text(i["capability"]), _text(i["xml_flag"])] for i in raw[key]
        ]
    for key, out in _NAMES.items():
        entry[out] = sorted(_text(name) for name in raw[key])
    return entry


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def render(document: Mapping[str, Any]) -> bytes:
    """The bytes of *document*: each release's keys one per line."""
    head = orjson.dumps({k: v for k, v in document.items() if k != "releases"})
    releases = []
    for release in document["releases"]:
        lines = [orjson.dumps(key) + b": " + orjson.dumps(value) for key, value in release.items()]
        releases.append(b"{\n" + b",\n".join(lines) + b"\n}")
    return head[:-1] + b',"releases":[\n' + b",\n".join(releases) + b"\n]}\n"


def write(document: Mapping[str, Any], path: Path) -> None:
    """Write *document* to *path* (see :func:`render`).

    :raise UsageError: if *path* cannot be written.
    """
    try:
        path.write_bytes(render(document))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
