"""Command-line overrides of scenario keys: ``--set KEY.PATH=V1,V2,...`` parsed and applied before validation.

A key path is TOML keys joined by ``.`` (a key that is not a bare TOML key is quoted: ``"Inner Mongolia"``), with
``[N]`` after a key to pick an entry of an array of tables (``offices[0].windows``). Each value is a TOML value
(``3``, ``0.5``, ``2022-10-01``, ``"text"``, ``[1, 2]``, ``{ dist = "exponential", mean = 10 }``); text that is not
valid TOML is taken as a bare string (``serve``, ``16:00``), unless it opens with a quote or a bracket. Values
are separated by commas outside brackets and quotes.

An override replaces the value at its key path in the merged scenario (after ``extends``), creating tables as
needed, before validation; so every validator rule applies, and an error about an overridden key names ``--set``
(:data:`SET`) instead of a file.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sim.scenario.errors import BARE_KEY, ScenarioError, toml_text

SET = "--set"
"""The origin of an overridden value: error messages show it where they would show a file."""

_SEGMENT = re.compile(r'\s*(?:(?P<bare>[A-Za-z0-9_-]+)|"(?P<quoted>(?:[^"\\]|\\.)*)"|\'(?P<literal>[^\']*)\')\s*')
_INDEX = re.compile(r"\[\s*(?P<index>\d+)\s*\]\s*")
_OPENERS = ("[", "{", '"', "'")

Segment = tuple[str, int | None]
"""One step of a key path: a key and, for an entry of an array of tables, the entry's index (from 0)."""


def parse_set(text: str) -> tuple[str, list[Any]]:
    """Parse one ``--set KEY.PATH=V1,V2,...`` argument.

    Parameters
    ----------
    text
        The argument as typed, e.g. ``office.windows=2,3,4``.

    Returns
    -------
    key : str
        The key path in canonical form (see :func:`key_text`).
    values : list
        The values as parsed TOML values (int, float, bool, str, date, time, date-time, list or dict), in order.

    Raises
    ------
    ScenarioError
        On a missing ``=``, an empty or malformed key path, an empty value, a value that opens like TOML but does
        not parse, or a value given twice; the file is shown as ``--set``.
    """
    key_part, equals, values_part = text.partition("=")
    if not equals:
        raise ScenarioError(SET, text, 'must be written KEY.PATH=VALUE,VALUE,... (no "=" found)')
    if not key_part.strip():
        raise ScenarioError(SET, text, 'the key path before "=" is empty')
    key = key_text(parse_key(key_part))
    if not values_part.strip():
        raise ScenarioError(SET, key, 'needs at least one value after "="', text)
    values: list[Any] = []
    for number, piece in enumerate(split_values(values_part), start=1):
        if not piece:
            raise ScenarioError(SET, key, f"value {number} is empty (values are separated by commas)", text)
        value = parse_value(piece, key)
        if any(same_value(value, earlier) for earlier in values):
            raise ScenarioError(SET, key, f"value {number} is given twice", value)
        values.append(value)
    return key, values


def parse_sets(texts: Iterable[str]) -> dict[str, list[Any]]:
    """Parse every ``--set`` argument into ``{key path: values}``, in the order given.

    Parameters
    ----------
    texts
        The arguments, e.g. ``["office.windows=2,3", "verification.reviewers=5,10"]``.

    Returns
    -------
    dict
        Canonical key path to its list of TOML values.

    Raises
    ------
    ScenarioError
        As :func:`parse_set`, and when a key path is given twice or lies inside another one.
    """
    sets: dict[str, list[Any]] = {}
    for text in texts:
        key, values = parse_set(text)
        if key in sets:
            raise ScenarioError(SET, key, "is given twice; list all its values in one --set, separated by commas")
        sets[key] = values
    check_disjoint(sets)
    return sets


def parse_key(text: str) -> tuple[Segment, ...]:
    """Split a key path into its segments.

    Parameters
    ----------
    text
        ``office.windows``, ``offices[1].hours``, ``verification.linked_from."Inner Mongolia"``.

    Returns
    -------
    tuple of Segment
        ``(key, index or None)`` per step.

    Raises
    ------
    ScenarioError
        When the text is not keys joined by ``.``, each optionally followed by ``[N]``.
    """
    segments: list[Segment] = []
    position = 0
    while True:
        match = _SEGMENT.match(text, position)
        if match is None:
            rule = "must be keys joined by '.', each a bare TOML key or quoted, with [N] for an array entry"
            raise ScenarioError(SET, text.strip(), rule)
        name = match["bare"] or match["literal"] or _unescape(match["quoted"] or "", text)
        position = match.end()
        index_match = _INDEX.match(text, position)
        index = None
        if index_match is not None:
            index = int(index_match["index"])
            position = index_match.end()
        segments.append((name, index))
        if position == len(text):
            return tuple(segments)
        if text[position] != ".":
            rule = "must be keys joined by '.', each a bare TOML key or quoted, with [N] for an array entry"
            raise ScenarioError(SET, text.strip(), rule)
        position += 1


def _unescape(quoted: str, text: str) -> str:
    try:
        return cast(str, tomllib.loads(f'k = "{quoted}"')["k"])
    except tomllib.TOMLDecodeError:
        raise ScenarioError(SET, text.strip(), "has a quoted key that is not a valid TOML string") from None


def key_text(segments: Sequence[Segment]) -> str:
    """The canonical text of a key path: bare keys as they are, others quoted, ``[N]`` after array keys."""
    return ".".join(
        (name if BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)) + ("" if i is None else f"[{i}]")
        for name, i in segments
    )


def _origin_path(segments: Sequence[Segment]) -> str:
    """The key path as the validator writes it in messages and the loader in its origins (keys unquoted)."""
    return ".".join(name + ("" if i is None else f"[{i}]") for name, i in segments)


def split_values(text: str) -> list[str]:
    """Split a value list at the commas that are outside brackets, braces and quotes; pieces are stripped."""
    pieces: list[str] = []
    depth = 0
    quote = ""
    escaped = False
    start = 0
    for i, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            pieces.append(text[start:i].strip())
            start = i + 1
    pieces.append(text[start:].strip())
    return pieces


def parse_value(text: str, key: str = "") -> Any:
    """Parse one value as TOML, or take it as a bare string when it is not TOML.

    Parameters
    ----------
    text
        The value, e.g. ``3``, ``2022-10-01``, ``{ dist = "exponential", mean = 10 }`` or ``serve``.
    key
        The key path it is for (named in errors).

    Returns
    -------
    Any
        The TOML value, or ``text`` itself.

    Raises
    ------
    ScenarioError
        When the text spans lines, or opens with a quote or bracket but is not valid TOML.
    """
    if "\n" in text or "\r" in text:
        raise ScenarioError(SET, key, "a value must be on one line", text)
    try:
        parsed = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError as exc:
        if text.startswith(_OPENERS):
            raise ScenarioError(SET, key, f"value is not valid TOML ({exc})", text) from None
        return text
    return parsed["v"]


def same_value(a: Any, b: Any) -> bool:
    """Whether two TOML values are the same value of the same type (so ``2`` and ``2.0`` differ)."""
    return toml_text(a) == toml_text(b)


def value_label(value: Any) -> str:
    """A value as a table cell or folder label: strings as they are, anything else as TOML text."""
    return value if isinstance(value, str) else toml_text(value)


def check_disjoint(keys: Iterable[str]) -> None:
    """Refuse key paths of which one lies inside another (``office.hours`` and ``office.hours.weekdays``).

    Raises
    ------
    ScenarioError
        Naming the inner key path and the outer one.
    """
    paths = [(key, _origin_path(parse_key(key))) for key in keys]
    for key, path in paths:
        for outer_key, outer in paths:
            if path != outer and path.startswith((outer + ".", outer + "[")):
                raise ScenarioError(SET, key, f"lies inside {outer_key}, which is also set; set only one of them")


def apply_overrides(data: dict[str, Any], origins: dict[str, str], overrides: Mapping[str, Any]) -> None:
    """Set each key path of ``overrides`` in the merged scenario data, and mark it as coming from ``--set``.

    Parameters
    ----------
    data
        The merged TOML of a scenario (changed in place); missing tables on the way are created.
    origins
        Key path to the file that set it, as the loader keeps them (changed in place: the overridden paths map
        to :data:`SET`).
    overrides
        Key path (as :func:`parse_key` reads it) to one TOML value.

    Raises
    ------
    ScenarioError
        On a malformed key path, key paths inside one another, ``extends``, a step through a value that is not a
        table, or an array index out of range.
    """
    check_disjoint(overrides)
    for key, value in overrides.items():
        segments = parse_key(key)
        if segments[0] == ("extends", None):
            raise ScenarioError(SET, key, "cannot be overridden: the files are read before the overrides")
        node: dict[str, Any] = data
        for depth, (name, index) in enumerate(segments):
            last = depth == len(segments) - 1
            here = _origin_path(segments[: depth + 1])
            if index is None:
                if last:
                    node[name] = copy.deepcopy(value)
                    break
                child = node.setdefault(name, {})
                if not isinstance(child, dict):
                    rule = f"cannot set a key inside {key_text(segments[: depth + 1])}, which is not a table"
                    raise ScenarioError(SET, key, rule, child)
                node = cast(dict[str, Any], child)
                continue
            entries = node.get(name)
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                array = key_text([*segments[:depth], (name, None)])
                raise ScenarioError(SET, key, f"{array} is not an array of tables ([[...]])")
            if index >= len(entries):
                array = key_text([*segments[:depth], (name, None)])
                have = f"indices 0 to {len(entries) - 1}" if entries else "no entries"
                raise ScenarioError(SET, key, f"index out of range: {array} has {have}", index)
            _split_origin(origins, here[: -len(f"[{index}]")], entries)
            if last:
                entries[index] = copy.deepcopy(value)
            else:
                node = cast(dict[str, Any], entries[index])
        path = _origin_path(segments)
        for old in [k for k in origins if k == path or k.startswith((path + ".", path + "["))]:
            del origins[old]
        origins.update(dict.fromkeys(_leaves(value, path), SET))


def _split_origin(origins: dict[str, str], array: str, entries: list[Any]) -> None:
    """Give each value inside an array of tables its own origin, so an override of one leaves the others' file."""
    if array not in origins or any(k.startswith(array + "[") for k in origins):
        return
    origins.update(dict.fromkeys(_leaves(entries, array), origins[array]))


def _leaves(value: Any, path: str) -> list[str]:
    """Key paths of the values inside ``value`` (itself when it is not a non-empty table or array of tables)."""
    if isinstance(value, dict) and value:
        items = cast(dict[str, Any], value).items()
        return [leaf for k, v in items for leaf in _leaves(v, f"{path}.{k}")]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, f"{path}[{i}]")]
    return [path]
