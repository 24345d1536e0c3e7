"""The real QMP API of each QEMU release, shipped as data, and the contracts made from it.

``history.py`` reads QEMU's schema history (release numbering, the error classes
of each release); ``build.py`` makes the data file from the corpus
(``qmpcontract release-data build``); ``data.py`` reads the shipped file and
finds the release a QEMU version falls in; ``tolerant.py`` merges two releases
for a build between them; ``contract.py`` turns it all into the contracts
``check`` applies next to the agreed ones.
"""
