"""Print what `make mutants` killed: per mutated file and in total.

Reads the per-file results mutmut leaves in mutants/<path>.meta (JSON with an exit code per
mutant). Killed = a test failed (or timed out) on the mutant; the share is killed / all mutants
that were checked. Exits 1 when nothing was checked, so a broken run cannot look like a result.
"""

import json
import sys
from collections import Counter
from pathlib import Path

FILES = ("tasks/services.py", "tasks/selectors.py", "reports/dashboard.py", "reports/services.py")
KILLED_CODES = {1, 3, 36, -24}  # test failed, pytest internal error, timeout (an endless loop is caught too)


def file_counts(meta: Path) -> Counter:
    data = json.loads(meta.read_text())
    counts = Counter()
    for code in data.get("exit_code_by_key", {}).values():
        if code is None:
            counts["not checked"] += 1
        elif code in KILLED_CODES:
            counts["killed"] += 1
        elif code == 0:
            counts["survived"] += 1
        elif code in (5, 33):
            counts["no tests"] += 1
        else:
            counts["other"] += 1
    return counts


def main() -> int:
    total = Counter()
    for name in FILES:
        meta = Path("mutants") / f"{name}.meta"
        if not meta.exists():
            print(f"{name:24} no results")
            continue
        counts = file_counts(meta)
        total += counts
        checked = counts["killed"] + counts["survived"] + counts["no tests"] + counts["other"]
        share = 100.0 * counts["killed"] / checked if checked else 0.0
        print(
            f"{name:24} {counts['killed']:4d} killed / {checked:4d} checked = {share:5.1f}%"
            f"  (survived {counts['survived']}, no tests {counts['no tests']}, other {counts['other']},"
            f" not checked {counts['not checked']})"
        )
    checked = total["killed"] + total["survived"] + total["no tests"] + total["other"]
    if not checked:
        print("No mutant was checked: run `make mutants` first.")
        return 1
    print(
        f"{'all four files':24} {total['killed']:4d} killed / {checked:4d} checked = {100.0 * total['killed'] / checked:5.1f}%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
