"""Evaluate QAPI ``if`` conditions against a set of defined configuration symbols.

A condition is a symbol (``'CONFIG_SPICE'``), ``{'all': [...]}``, ``{'any': [...]}``
or ``{'not': ...}``; old schemas (QEMU 2.x to 5.x) wrote C expressions such as
``'defined(TARGET_I386)'`` or lists meaning "all of these", which are handled too.

>>> holds({'any': ['TARGET_I386', 'TARGET_S390X']}, {'TARGET_I386'})
True
>>> holds({'not': 'CONFIG_VMNET'}, set())
True
>>> holds('defined(CONFIG_SPICE) && !defined(CONFIG_VNC)', {'CONFIG_SPICE'})
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set

_TOKEN = re.compile(r"\s*(defined\(\s*[A-Za-z0-9_]+\s*\)|&&|\|\||!|\(|\))")


def holds(condition: object, defined: Set[str]) -> bool:
    """True if *condition* is met when exactly the symbols in *defined* are defined.

    :raise ValueError: for something that is no condition.
    """
    if condition is None:
        return True
    if isinstance(condition, str):
        if "defined(" in condition or "!" in condition:
            return _CExpression(condition, defined).value()
        return condition in defined
    if isinstance(condition, list):
        return all(holds(c, defined) for c in condition)
    if isinstance(condition, Mapping) and len(condition) == 1:
        ((key, value),) = condition.items()
        if key == "all" and isinstance(value, list):
            return all(holds(c, defined) for c in value)
        if key == "any" and isinstance(value, list):
            return any(holds(c, defined) for c in value)
        if key == "not":
            return not holds(value, defined)
    raise ValueError(f"not a condition: {condition!r}")


class _CExpression:
    """``defined(X)``, ``!``, ``&&``, ``||`` and parentheses, as QEMU 4.x wrote them."""

    def __init__(self, text: str, defined: Set[str]) -> None:
        self.text = text
        self.defined = defined
        self.tokens: list[str] = []
        position = 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if match is None:
                raise ValueError(f"not a condition: {text!r}")
            self.tokens.append(match.group(1).replace(" ", ""))
            position = match.end()

    def value(self) -> bool:
        result = self._or()
        if self.tokens:
            raise ValueError(f"not a condition: {self.text!r}")
        return result

    def _or(self) -> bool:
        result = self._and()
        while self.tokens[:1] == ["||"]:
            self.tokens.pop(0)
            result = self._and() or result
        return result

    def _and(self) -> bool:
        result = self._not()
        while self.tokens[:1] == ["&&"]:
            self.tokens.pop(0)
            result = self._not() and result
        return result

    def _not(self) -> bool:
        if not self.tokens:
            raise ValueError(f"not a condition: {self.text!r}")
        token = self.tokens.pop(0)
        if token == "!":
            return not self._not()
        if token == "(":
            result = self._or()
            if self.tokens[:1] != [")"]:
                raise ValueError(f"not a condition: {self.text!r}")
            self.tokens.pop(0)
            return result
        if token.startswith("defined("):
            return token[len("defined(") : -1] in self.defined
        raise ValueError(f"not a condition: {self.text!r}")
