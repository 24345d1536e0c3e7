"""The patch reviewer: a git range or a patch in, a checklist for a mailing-list reply out.

``trees.py`` materialises the old and new QAPI trees (from a git range, or from
a tree plus a patch or mbox applied with git); ``checklist.py`` maps every change
the differ finds onto the contracts and rules it touches and says what the
patch must also do.
"""
