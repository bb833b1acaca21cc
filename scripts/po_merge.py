"""Resolve a conflicted Vietnamese catalogue after a merge.

Usage: python scripts/po_merge.py BRANCH [BRANCH...]
Takes our side, re-extracts the messages, then fills every empty or fuzzy
msgstr from the other branches' catalogues.
"""

import subprocess
import sys

import polib

PO = "locale/vi/LC_MESSAGES/django.po"

if "--no-checkout" not in sys.argv:
    subprocess.run(["git", "checkout", "--ours", PO], check=True)
subprocess.run(
    [
        sys.executable,
        "manage.py",
        "makemessages",
        "-l",
        "vi",
        "--no-location",
        "--no-obsolete",
        "--ignore=.venv",
        "--ignore=node_modules",
        "--ignore=static/vendor",
    ],
    check=True,
)
known = {}
for branch in [arg for arg in sys.argv[1:] if not arg.startswith("--")]:
    text = subprocess.run(["git", "show", f"{branch}:{PO}"], check=True, capture_output=True, text=True).stdout
    for entry in polib.pofile(text):
        if "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural and all(entry.msgstr_plural.values()):
            known.setdefault(entry.msgid, dict(entry.msgstr_plural))
        elif entry.msgstr:
            known.setdefault(entry.msgid, entry.msgstr)
po = polib.pofile(PO)
for entry in po:
    if entry in po.untranslated_entries() + po.fuzzy_entries() and entry.msgid in known:
        if entry.msgid_plural:
            entry.msgstr_plural = known[entry.msgid]
        else:
            entry.msgstr = known[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
po.save(PO)
print("untranslated:", [e.msgid for e in po.untranslated_entries()], "fuzzy:", [e.msgid for e in po.fuzzy_entries()])
