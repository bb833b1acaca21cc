"""Fill empty Vietnamese msgstrs from a Python dict file: po_fill.py TRANSLATIONS.py [PO]."""

import runpy
import sys

import polib

translations = runpy.run_path(sys.argv[1])["T"]
path = sys.argv[2] if len(sys.argv) > 2 else "locale/vi/LC_MESSAGES/django.po"
po = polib.pofile(path)
filled = 0
for entry in po:
    if entry.msgid in translations and (not entry.msgstr or "fuzzy" in entry.flags):
        entry.msgstr = translations[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
po.save(path)
print(f"filled {filled}; untranslated left: {[e.msgid for e in po.untranslated_entries()]}")
