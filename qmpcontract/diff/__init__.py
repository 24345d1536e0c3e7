"""The compatibility differ: two versions of an API in, classified changes out.

It compares wire-visible structure (names of commands, events, members and
enum values, and shapes), never type names.  ``shapes.py`` turns a contract's
JSON Schemas into resolved shapes; ``compare.py`` walks two shapes in a
direction (what clients send may only widen, what QEMU sends may gain members
but not lose them or make them optional); ``catalogue.py`` holds every change
kind with its stable rule id and level.
"""
