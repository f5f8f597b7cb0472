#!/usr/bin/env python3
"""MCP `ask` latency beside `/predict`, through one dosm-rag-proxy: the same questions, the same
client (one keep-alive HTTP connection each, stdlib http.client), alternated request by request
so that both see the same database and cache state. Prints p50/p95/p99 of each and the p50
overhead of MCP (the issue's floor: <= 2 ms); writes JSON with --out.

Usage: mcp.py --url http://127.0.0.1:PORT --key KEY --questions FILE.jsonl [--n 400]"""
import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Client:
    def __init__(self, url, key):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        self.key = key

    def post(self, path, body, headers):
        t = time.perf_counter()
        self.conn.request("POST", path, body=json.dumps(body), headers={
            "Content-Type": "application/json", "X-API-Key": self.key, **headers})
        r = self.conn.getresponse()
        data = r.read()
        ms = (time.perf_counter() - t) * 1000
        if r.status != 200:
            raise RuntimeError(f"{path}: {r.status} {data[:200]!r}")
        return ms, json.loads(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--questions", required=True)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--out")
    a = ap.parse_args()
    qs = [json.loads(line)["question"] for line in open(a.questions, encoding="utf-8")
          if line.strip() and not json.loads(line).get("derived")][: a.n]
    if not qs:
        print("skipped: no questions")
        return
    predict, mcp = Client(a.url, a.key), Client(a.url, a.key)
    rpc = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    mcp.post("/mcp", {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"}}}, rpc)
    for q in qs[:20]:  # warm both paths (pooled connections, the backends' vector caches)
        predict.post("/predict", {"query": q}, {})
    times = {"predict": [], "mcp": []}
    server = []
    for i, q in enumerate(qs):
        order = [("predict", q), ("mcp", q)] if i % 2 == 0 else [("mcp", q), ("predict", q)]
        for kind, text in order:
            if kind == "predict":
                ms, body = predict.post("/predict", {"query": text}, {})
                server.append(body["latency_ms"])
            else:
                ms, body = mcp.post("/mcp", {"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
                                             "params": {"name": "ask", "arguments": {"question": text}}}, rpc)
                if "result" not in body:
                    raise RuntimeError(f"MCP error: {body}")
            times[kind].append(ms)
    r = {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99),
             "mean": statistics.mean(v)} for k, v in times.items()}
    r["overhead_p50_ms"] = r["mcp"]["p50"] - r["predict"]["p50"]
    r["ratio_p50"] = r["mcp"]["p50"] / r["predict"]["p50"]
    r["predict_server_p50_ms"] = pct(server, 50)
    print(f"  {'':24} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   ({len(qs)} questions each, alternated)")
    for k, label in (("predict", "POST /predict"), ("mcp", "MCP tools/call ask")):
        print(f"  {label:24} {r[k]['p50']:8.2f} {r[k]['p95']:8.2f} {r[k]['p99']:8.2f}")
    print(f"  MCP overhead at p50: {r['overhead_p50_ms']:+.2f} ms (x{r['ratio_p50']:.2f}); floor <= 2 ms")
    if a.out:
        with open(a.out, "w") as f:
            json.dump(r, f, indent=1)
    sys.exit(0)


if __name__ == "__main__":
    main()
