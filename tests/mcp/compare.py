#!/usr/bin/env python3
"""MCP `ask` against `/predict`, question by question: for every single-value question of an eval
questions file, the tool's structuredContent must equal /predict's prediction (the whole answer:
value, unit, period, citations, sql, confidence, failure_mode …). Uses the official MCP Python SDK.

Usage: compare.py --url URL --key KEY --questions FILE [--limit N]
Prints `mcp vs predict: N passed, M failed`."""
import argparse
import json
import sys
import urllib.request

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


def predict(url, key, q):
    req = urllib.request.Request(url + "/predict", data=json.dumps({"query": q}).encode(),
                                 headers={"Content-Type": "application/json", "X-API-Key": key})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["prediction"]


async def run(a, questions):
    same, differ = 0, []
    client = create_mcp_http_client(headers={"X-API-Key": a.key})
    async with client, streamable_http_client(a.url + "/mcp", http_client=client) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            for q in questions:
                r = await session.call_tool("ask", {"question": q["question"]})
                p = predict(a.url, a.key, q["question"])
                if r.structured_content == p and not r.is_error:
                    same += 1
                else:
                    differ.append((q["id"], q["question"], p.get("value"),
                                   (r.structured_content or {}).get("value")))
    return same, differ


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--questions", required=True)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    questions = [json.loads(line) for line in open(a.questions, encoding="utf-8") if line.strip()]
    questions = [q for q in questions if not q.get("derived")]
    if a.limit:
        questions = questions[: a.limit]
    same, differ = anyio.run(run, a, questions)
    print(f"    {same} of {len(questions)} single-value questions: MCP ask == /predict")
    for d in differ[:10]:
        print(f"    FAIL {d}")
    print(f"mcp vs predict: {same} passed, {len(differ)} failed")
    sys.exit(1 if differ or not questions else 0)


if __name__ == "__main__":
    main()
