#!/usr/bin/env python3
"""A bounded random-frame pass against POST /mcp (schemathesis does not speak MCP): broken JSON,
wrong JSON-RPC shapes, unknown methods, wrong types, huge values, batches, other content types.
Every response must be below 500, and afterwards the server must still answer tools/list.

Usage: fuzz.py --url URL --key KEY [--frames N] [--seconds S] [--seed N]
Prints `mcp fuzz: N passed, M failed`."""
import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.request

METHODS = ["initialize", "tools/list", "tools/call", "resources/list", "resources/read",
           "prompts/list", "prompts/get", "ping", "notifications/initialized", "logging/setLevel",
           "completion/complete", "no/such/method", "", "tools/call\u0000", "rpc.discover"]
TOOLS = ["ask", "search_datasets", "describe_dataset", "get_series", "nope", "", None, 7]


def value(rng, depth=0):
    kinds = ["str", "int", "float", "bool", "null", "list", "dict", "big", "unicode"]
    if depth > 2:
        kinds = kinds[:5]
    k = rng.choice(kinds)
    if k == "str":
        return rng.choice(["", "population of Johor 2020", "'; DROP TABLE x; --", "\\", "%s%n",
                           "dataset://../../etc/passwd", "x" * rng.randint(0, 5000)])
    if k == "int":
        return rng.choice([0, -1, 1, 3, 100, 101, 2**31, -2**63, 10**30])
    if k == "float":
        return rng.choice([0.5, -1e308, 1e308, 3.0])
    if k == "bool":
        return rng.random() < 0.5
    if k == "null":
        return None
    if k == "list":
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if k == "big":
        return "ä" * rng.randint(10_000, 300_000)
    if k == "unicode":
        return rng.choice(["\ud83d\ude00 penduduk", "e\u0301\u0301\u0301", "\u202e\u0000", "日本"])
    return {rng.choice(["question", "query", "k", "limit", "dataset", "measure", "filters", "from",
                        "to", "max_points", "uri", "name", "cursor", "x"]): value(rng, depth + 1)
            for _ in range(rng.randint(0, 5))}


def frame(rng):
    """One request body (bytes) and content type."""
    r = rng.random()
    if r < 0.1:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))), "application/json"
    method = rng.choice(METHODS[:8] * 3 + METHODS)
    params = value(rng)
    if method == "tools/call" and rng.random() < 0.7:
        params = {"name": rng.choice(TOOLS), "arguments": value(rng)}
    if method == "resources/read" and rng.random() < 0.7:
        params = {"uri": rng.choice(["dataset://mcp_synthetic", "dataset://", "file:///etc/passwd",
                                     value(rng)])}
    msg = {"jsonrpc": "2.0" if rng.random() < 0.85 else rng.choice(["1.0", None, 2]),
           "method": method}
    if rng.random() < 0.8:
        msg["id"] = rng.choice([1, "a", 42, "x-1"]) if rng.random() < 0.8 else rng.choice(
            [None, 2**70, [], {}, -1])
    if rng.random() < 0.8:
        msg["params"] = params
    body = json.dumps(rng.choice([msg] * 12 + [[msg, msg], [], {}, "x", 1]))
    if r < 0.15:
        body = body[: rng.randint(0, max(1, len(body) - 1))]  # truncated
    ctype = rng.choice(["application/json"] * 18 + ["text/plain", "application/x-www-form-urlencoded"])
    return body.encode("utf-8", "surrogatepass"), ctype


def send(url, key, body, ctype, accept="application/json, text/event-stream", protocol=None):
    headers = {"Content-Type": ctype, "Accept": accept, "X-API-Key": key}
    if protocol:
        headers["MCP-Protocol-Version"] = protocol
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def rpc_error(text):
    try:
        v = json.loads(text)
    except ValueError:
        return False
    return isinstance(v, dict) and v.get("jsonrpc") == "2.0" and "error" in v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--max-bytes", type=int, default=2 * 1024 * 1024 - 1024,
                    help="largest frame sent (the server's MCP_MAX_BODY_BYTES)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    url = a.url.rstrip("/") + "/mcp"
    statuses, server_errors, not_rpc = {}, [], []
    start = time.monotonic()
    sent = 0
    for i in range(a.frames):
        if time.monotonic() - start > a.seconds:
            break
        body, ctype = frame(rng)
        while len(body) > a.max_bytes:  # a larger body is refused with 413 mid-upload: not JSON-RPC
            body, ctype = frame(rng)
        # Mostly well-formed transport (so that frames reach the JSON-RPC layer), sometimes not.
        accept = "application/json, text/event-stream"
        protocol = "2025-06-18"
        if rng.random() < 0.15:
            accept = rng.choice(["text/html", "*/*", "application/json", ""])
        if rng.random() < 0.15:
            protocol = rng.choice([None, "2025-03-26", "1999-01-01", "garbage"])
        try:
            status, text = send(url, a.key, body, ctype, accept, protocol)
        except Exception as e:  # a dropped connection is a failure too
            status, text = 599, str(e).encode()
        sent += 1
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            server_errors.append((i, status, body[:200], text[:200]))
        elif 400 <= status < 500 and status not in (401, 413) and not rpc_error(text):
            not_rpc.append((i, body[:200], text[:200]))
    passed = failed = 0
    print(f"    {sent} frames in {time.monotonic() - start:.1f} s; statuses: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    if server_errors:
        failed += 1
        print(f"    FAIL {len(server_errors)} responses of 500 or more, e.g. {server_errors[:3]}")
    else:
        passed += 1
        print("    ok   no response of 500 or more")
    if not_rpc:
        failed += 1
        print(f"    FAIL {len(not_rpc)} refusals without a JSON-RPC error, e.g. {not_rpc[:3]}")
    else:
        passed += 1
        print("    ok   every refused frame gets a JSON-RPC error")
    big = json.dumps({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {
        "name": "ask", "arguments": {"question": "x" * (a.max_bytes + 4096)}}}).encode()
    try:
        status, _ = send(url, a.key, big, "application/json", protocol="2025-06-18")
    except Exception as e:  # the server may answer 413 and close before the upload ends
        status = 413 if "Broken pipe" in str(e) or "reset" in str(e) else 599
    ok = status == 413
    passed, failed = passed + ok, failed + (not ok)
    print(f"    {'ok  ' if ok else 'FAIL'} a frame over the body limit is a 413 ({status})")
    body = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {}}).encode()
    status, text = send(url, a.key, body, "application/json", protocol="2025-06-18")
    alive = status == 200 and b'"ask"' in text
    passed, failed = passed + alive, failed + (not alive)
    print(f"    {'ok  ' if alive else 'FAIL'} the server still answers tools/list ({status})")
    print(f"mcp fuzz: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
