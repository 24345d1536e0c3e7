"""The documentation site's generated pages: contracts, rules, compatibility, CLI.

``hooks.py`` is an mkdocs hook (see ``mkdocs.yml``): on every build it loads the
contracts and the rule registries and adds the generated pages, so nothing
generated is committed.  ``pages.py`` writes a contract's page, ``tables.py``
renders schemas as tables, ``matrix.py`` computes which QEMU releases satisfy
which contract versions from the compact API index in ``docs/data/``.
"""
