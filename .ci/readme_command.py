"""Print the README command marked ``<!-- ci: NAME -->`` (the fenced block after it)."""

import sys
from pathlib import Path

name = sys.argv[1]
lines = (Path(__file__).resolve().parents[1] / "README.md").read_text().splitlines()
start = lines.index(f"<!-- ci: {name} -->")
fence = start + 1
assert lines[fence].startswith("```"), f"no fenced block after the {name} marker"
end = next(i for i in range(fence + 1, len(lines)) if lines[i].startswith("```"))
print("\n".join(lines[fence + 1 : end]))
