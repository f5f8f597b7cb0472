#!/usr/bin/env python3
"""Write a small SYNTHETIC table and its catalogue entry (not DOSM data: made-up numbers from a
formula) so that the MCP tests have a series, a ranking and dimensions with labels whatever else
is loaded. Usage: fixture.py DIR  ->  DIR/mcp_synthetic.csv, DIR/mcp_synthetic.json"""
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rows = ["date,state,index"]
for s, state in enumerate(["Johor", "Perak", "Sabah"]):
    for y in (2020, 2021):
        for m in range(1, 13):
            rows.append(f"{y}-{m:02d}-01,{state},{100 + 10 * s + (y - 2020) * 12 + m:.1f}")
(out / "mcp_synthetic.csv").write_text("\n".join(rows) + "\n")
entry = {
    "title_en": "Synthetic test price index by state (not DOSM data)",
    "title_ms": "Indeks harga ujian sintetik mengikut negeri (bukan data DOSM)",
    "description_en": "Made-up monthly index numbers for the MCP tests, base 2010 = 100.",
    "description_ms": "Nombor indeks bulanan rekaan untuk ujian MCP, asas 2010 = 100.",
    "frequency": "MONTHLY",
    "geography": ["STATE"],
    "data_as_of": "2021-12",
    "link_csv": "https://example.invalid/mcp_synthetic.csv",
    "fields": [
        {"name": "date", "title_en": "Date", "title_ms": "Tarikh",
         "description_en": "[Date] The month", "description_ms": "[Tarikh] Bulan"},
        {"name": "state", "title_en": "State", "title_ms": "Negeri",
         "description_en": "[Categorical] The state", "description_ms": "[Kategori] Negeri"},
        {"name": "index", "title_en": "Synthetic price index", "title_ms": "Indeks harga sintetik",
         "description_en": "[Float] Synthetic price index (base 2010 = 100)",
         "description_ms": "[Apung] Indeks harga sintetik (asas 2010 = 100)"},
    ],
}
(out / "mcp_synthetic.json").write_text(json.dumps(entry, indent=1) + "\n")
