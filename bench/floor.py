"""The offline floor: what any tool must do for this list, and nothing more.

``python bench/floor.py LIST.md ENRICHED.json OUT.json`` parses ``LIST.md``
with markdown-it-py (the parser the pipeline uses; CommonMark + tables), reads
``ENRICHED.json`` (the document the pipeline wrote for that list) and writes
the same bytes to ``OUT.json`` with the pipeline's JSON formatting (sorted keys,
2-space indent, UTF-8), one entry at a time (the cheapest way to write it with
the standard library; one ``json.dumps`` of the whole document needs about
twice the time and memory).  Its wall time and peak memory are the "floor"
that bench/offline.py compares the pipeline against; it checks that the bytes
are the same.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from markdown_it import MarkdownIt


def main(list_md: str, enriched: str, out: str) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(Path(list_md).read_text(encoding="utf-8"))
    original = Path(enriched).read_bytes()
    doc = json.loads(original)
    entries = doc.pop("entries")
    with open(out, "wb") as fh:
        fh.write(b'{\n  "entries": [\n')
        for i, e in enumerate(entries):
            text = "    " + json.dumps(e, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n    ")
            fh.write((text + (",\n" if i < len(entries) - 1 else "\n")).encode("utf-8"))
        rest = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)[1:]  # the keys after "entries"
        fh.write(b"  ]," + rest.encode("utf-8") + b"\n")
    same = Path(out).read_bytes() == original
    print(f"{len(tokens)} tokens, {len(entries)} entries, same bytes: {same}")
    if not same:
        raise SystemExit(f"{out} differs from {enriched}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
