"""The one level policy: what makes a rule or a change MUST, SHOULD or MAY.

Written once here, quoted by the docs (``docs/reference/policy.md`` is
generated from :data:`POLICY`), and held by ``tests/test_policy.py`` over every
rule of every shipped contract, every built-in rule and every change kind of
the differ:

- **MUST** (ABI): what an existing client breaks on without notice: removing
  or renaming what was not deprecated, an incompatible type change, a name
  given another meaning, the wire protocol itself.
- **SHOULD** (backward compatibility): what QEMU promises through its
  deprecation process (deprecate first, remove no earlier than two releases
  later), and changes that old clients survive only if they were careful
  (QEMU's "tread carefully": an output value or an optional member no longer
  sent, an event that can no longer be triggered).
- **MAY**: advice, and compatible changes.

A rule's category says what it protects and decides its level
(:data:`LEVEL_OF`); its party says whom it obliges.  A contract may raise the
level of a change for the elements it names (a names-kept rule makes the
removal of a named event MUST), never lower it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from qmpcontract.model.contract import Category, Level

LEVEL_OF: Mapping[Category, Level] = MappingProxyType(
    {
        Category.ABI: Level.MUST,
        Category.PROTOCOL: Level.MUST,
        Category.LIFECYCLE: Level.MUST,
        Category.COMPAT: Level.SHOULD,
        Category.ADVICE: Level.MAY,
    }
)
"""The level each category gives a rule or a change."""

POLICY: tuple[tuple[Level, str], ...] = (
    (
        Level.MUST,
        "What an existing client breaks on without notice (ABI): removing or renaming a "
        "command, event, argument, member, enum value or error class that was not deprecated; "
        "an incompatible type change (input narrowed, output widened, a member QEMU always "
        "sent made optional, a mandatory argument added); a name given another meaning; the "
        "wire protocol (framing, ids, one response per command) and the job lifecycles "
        "clients wait on. Categories abi, protocol, lifecycle.",
    ),
    (
        Level.SHOULD,
        "Backward compatibility QEMU promises through its deprecation process: deprecate "
        "first, remove no earlier than two releases later; and changes old clients survive "
        "only if they were careful, which QEMU's compatibility rules ask to make with care "
        "(an event that can no longer be triggered, an optional member or an enum value no "
        "longer sent, a new value in output). Category compat.",
    ),
    (
        Level.MAY,
        "Advice, and compatible changes (a new command, event, optional argument or output "
        "member; an element removed after its deprecation window, as the process allows). "
        "Category advice.",
    ),
)
"""The policy, level by level, in the words the docs print."""


def level_of(category: Category) -> Level:
    """The level the policy gives *category*.

    >>> level_of(Category.COMPAT)
    <Level.SHOULD: 'SHOULD'>
    """
    return LEVEL_OF[category]


def disagreement(level: Level, category: Category) -> str | None:
    """Why *level* and *category* do not agree under the policy, or None if they do."""
    wanted = LEVEL_OF[category]
    if wanted is level:
        return None
    return (
        f"level {level.value} disagrees with category '{category.value}', which the policy "
        f"makes {wanted.value}"
    )
