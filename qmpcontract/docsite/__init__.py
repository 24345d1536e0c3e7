"""The documentation site's generated pages: contracts, rules, history, compatibility, CLI.

``hooks.py`` is an mkdocs hook (see ``mkdocs.yml``): on every build it loads the
contracts, the rule registries and the shipped release data, and adds the
generated pages, so nothing generated is committed.  ``pages.py`` writes a
contract's page (``typedocs.py``: named types and their tables; ``governs.py``:
which rules govern which commands and events; ``versions.py``: every version
with its changelog), ``history.py`` the commands and events by QEMU release,
``matrix.py`` and ``libvirt_matrix.py`` which QEMU (and libvirt) releases
satisfy which contract versions, ``rules_page.py`` the rules reference, and
``outputs.py`` puts real output of the tools on hand-written pages.
"""
