"""htmx attributes in their valid HTML form (data-hx-*), which htmx reads the same way."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BARE_HX = re.compile(r"(?<![\w-])hx-[a-z-]+\s*=")


def test_no_template_uses_a_bare_hx_attribute():
    # given every template of the portal
    templates = sorted((ROOT / "templates").rglob("*.html"))
    # when searched for hx-* attributes without the data- prefix
    bare = {str(p.relative_to(ROOT)): BARE_HX.findall(p.read_text()) for p in templates}
    # then there is none (and the data- form is used)
    assert {path: found for path, found in bare.items() if found} == {}
    assert any("data-hx-post=" in p.read_text() for p in templates)
