#!/usr/bin/env python3
"""Single table against partitions by source, on one database, as it is now.

    python3 bench/partitions.py --dsn URL --questions q.jsonl --replace cpi_2d [--stages latency,replace,reindex] --json a.json
    CALL dosm_rag.partition_sources();   -- then the same command again, --json b.json
    python3 bench/partitions.py --compare a.json b.json

It measures, on the layout the database has (0.6.0's single table, 0.7.0's default partition only,
or a partition per source):
- rag_answer and the fuzzy leg alone (dosm_rag.search) over the eval's questions: one warm-up pass,
  then the pass with the lowest median of three counts;
- replacing one source: its rows deleted and written again (the writes of an ingest, without the
  embedding, which costs the same either way), then a VACUUM that cleans the indexes too (of the
  source's partition; of the whole table before 0.7.0);
- with --reindex, rebuilding the HNSW index (every partition's), maintenance_work_mem 2GB.
"""

import argparse
import json
import statistics
import sys
import time

from bench import connect, summary


def layout(cur):
    cur.execute("SELECT count(*), count(DISTINCT source) FROM dosm_rag.embeddings")
    rows, sources = cur.fetchone()
    cur.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'dosm_rag.embeddings'::regclass")
    partitions = cur.fetchone()[0]
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag'")
    version = cur.fetchone()[0]
    return {"version": version, "rows": rows, "sources": sources, "partitions": partitions}


def latencies(cur, qs, sql, passes=3):
    best = None
    for i in range(passes + 1):
        lat = []
        for q in qs:
            t = time.perf_counter()
            cur.execute(sql, (q,))
            cur.fetchall()
            lat.append((time.perf_counter() - t) * 1000)
        if i and (best is None or statistics.median(lat) < statistics.median(best)):
            best = lat
    return summary(best)


def replace(cur, source, repeats=3):
    """The source's rows deleted and written again, then a VACUUM; the median of `repeats`."""
    runs = [replace_once(cur, source) for _ in range(repeats)]
    out = dict(runs[0])
    for k in ("write_s", "vacuum_s"):
        out[k] = statistics.median(r[k] for r in runs)
        out[k + "_runs"] = [r[k] for r in runs]
    return out


def replace_once(cur, source):
    cur.execute("SELECT to_regproc('dosm_rag.partition_of') IS NOT NULL")
    partitioned = cur.fetchone()[0]
    if partitioned:
        cur.execute("SELECT dosm_rag.partition_of(%s)::text", (source,))
        target = cur.fetchone()[0]
    else:
        target = "dosm_rag.embeddings"
    cols = "id, source, row_ref, content, metadata, embedding, content_hash, model_version, created_at, updated_at"
    cur.execute(f"CREATE TEMP TABLE moving AS SELECT {cols} FROM dosm_rag.embeddings WHERE source = %s", (source,))
    n = cur.rowcount
    t = time.perf_counter()
    cur.execute("BEGIN")
    cur.execute("DELETE FROM dosm_rag.embeddings WHERE source = %s", (source,))
    cur.execute(f"INSERT INTO dosm_rag.embeddings ({cols}) SELECT {cols} FROM moving")
    cur.execute("COMMIT")
    write = time.perf_counter() - t
    cur.execute("DROP TABLE moving")
    # A plain VACUUM skips the indexes when few pages have dead rows (PostgreSQL 14+), which
    # leaves the dead rows in the HNSW graph of a large table; INDEX_CLEANUP ON cleans them.
    t = time.perf_counter()
    cur.execute(f"VACUUM (INDEX_CLEANUP ON) {target}")
    vacuum = time.perf_counter() - t
    return {"source": source, "rows": n, "write_s": round(write, 2), "vacuum_target": target,
            "vacuum_s": round(vacuum, 2)}


def reindex(cur):
    cur.execute("SET maintenance_work_mem = '2GB'")
    t = time.perf_counter()
    cur.execute("REINDEX INDEX dosm_rag.embeddings_embedding_hnsw")
    return {"hnsw_rebuild_s": round(time.perf_counter() - t, 1)}


def compare(a_path, b_path):
    a, b = (json.load(open(p)) for p in (a_path, b_path))
    print(f"{'':40} {'A':>12} {'B':>12} {'B/A':>7}")
    print(f"{'partitions':40} {a['layout']['partitions']:>12} {b['layout']['partitions']:>12}")
    rows = [("rag_answer p50 ms", a["rag_answer"]["p50_ms"], b["rag_answer"]["p50_ms"]),
            ("rag_answer p99 ms", a["rag_answer"]["p99_ms"], b["rag_answer"]["p99_ms"]),
            ("search (fuzzy leg) p50 ms", a["search"]["p50_ms"], b["search"]["p50_ms"]),
            ("search (fuzzy leg) p99 ms", a["search"]["p99_ms"], b["search"]["p99_ms"]),
            ]
    for x, y in zip(a["replace"], b["replace"]):
        rows.append((f"replace {x['source']} ({x['rows']}) s", x["write_s"], y["write_s"]))
        rows.append(("  VACUUM after it s", x["vacuum_s"], y["vacuum_s"]))
    if "reindex" in a and "reindex" in b:
        rows.append(("HNSW rebuild s", a["reindex"]["hnsw_rebuild_s"], b["reindex"]["hnsw_rebuild_s"]))
    for name, x, y in rows:
        print(f"{name:40} {x:>12} {y:>12} {y / x if x else float('nan'):>7.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn")
    ap.add_argument("--questions", help="tests/eval/generate.py's questions")
    ap.add_argument("--replace", default="cpi_2d", help="the sources replaced, comma-separated")
    ap.add_argument("--stages", default="latency,replace", help="of: latency,replace,reindex")
    ap.add_argument("--json", default="")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"))
    args = ap.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    if not args.dsn or not args.questions:
        sys.exit("--dsn and --questions are needed (or --compare A B)")
    qs = [json.loads(line)["question"] for line in open(args.questions) if line.strip()]
    conn, cur = connect(args.dsn)
    r = {"layout": layout(cur), "questions": len(qs)}
    print(json.dumps(r["layout"]), flush=True)
    stages = set(args.stages.split(","))
    if "latency" in stages:
        r["rag_answer"] = latencies(cur, qs, "SELECT dosm_rag.rag_answer(%s, 3)")
        r["search"] = latencies(cur, qs, "SELECT * FROM dosm_rag.search(%s, 3)")
    if "replace" in stages:
        r["replace"] = [replace(cur, s) for s in args.replace.split(",")]
    if "reindex" in stages:
        r["reindex"] = reindex(cur)
    print(json.dumps(r, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
