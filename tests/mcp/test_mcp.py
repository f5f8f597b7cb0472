#!/usr/bin/env python3
"""dosm-rag-proxy's MCP server, driven by the official MCP Python SDK (`mcp` on PyPI), over
streamable HTTP (/mcp, behind the API keys) and over stdio (`dosm-rag-proxy mcp-stdio`).

Usage: test_mcp.py --url http://127.0.0.1:PORT --key KEY --proxy-bin PATH --database-url URL
Prints one line per check and `mcp: N passed, M failed`; exits 1 on any failure."""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

import anyio
import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

RESULTS = {"passed": 0, "failed": 0}
SABAH = "What was the unemployment rate in Sabah in Q3 2025?"


def check(name, ok, detail=""):
    RESULTS["passed" if ok else "failed"] += 1
    print(f"    {'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f"\n         {detail}"[:2000]))


def post(url, body, headers):
    """A raw POST: (status, headers, body text)."""
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "raw", "version": "1"}}}).encode()
ACCEPT = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def auth_checks(url, key):
    for name, extra in [("no key", {}), ("a wrong key", {"X-API-Key": key + "x"}),
                        ("a wrong bearer token", {"Authorization": "Bearer nope"})]:
        status, headers, body = post(url + "/mcp", INIT, {**ACCEPT, **extra})
        check(f"/mcp with {name} is 401 before any MCP message is read", status == 401
              and json.loads(body)["error"]["code"] == "unauthorized", f"{status} {body}")
    status, _, body = post(url + "/mcp", INIT, {**ACCEPT, "Authorization": f"Bearer {key}"})
    check("Authorization: Bearer <key> is accepted", status == 200 and '"serverInfo"' in body,
          f"{status} {body[:300]}")


def predict(url, key, question):
    status, _, body = post(url + "/predict", json.dumps({"query": question}).encode(),
                           {"Content-Type": "application/json", "X-API-Key": key})
    assert status == 200, (status, body)
    return json.loads(body)["prediction"]


async def tool(session, name, args):
    return await session.call_tool(name, args)


async def tool_checks(session, url, key):
    tools = (await session.list_tools()).tools
    names = sorted(t.name for t in tools)
    check("tools/list has ask, describe_dataset, get_series, search_datasets",
          names == ["ask", "describe_dataset", "get_series", "search_datasets"], str(names))
    check("every tool has an inputSchema and an outputSchema",
          all(t.input_schema.get("type") == "object" and t.output_schema for t in tools),
          str([(t.name, bool(t.output_schema)) for t in tools]))

    r = await tool(session, "ask", {"question": SABAH})
    sc = r.structured_content or {}
    check("ask: Sabah's unemployment rate in Q3 2025 is 5.7 percent, cited",
          not r.is_error and sc.get("value") == 5.7 and sc.get("unit") == "percent"
          and sc.get("period") == "2025-Q3" and sc.get("citations"), json.dumps(sc)[:500])
    text = r.content[0].text if r.content else ""
    check("ask: the text paragraph gives the answer and its source", "5.7" in text
          and "Source:" in text, text)
    check("ask: structuredContent is exactly /predict's prediction",
          sc == predict(url, key, SABAH), json.dumps(sc)[:300])

    r = await tool(session, "ask", {"question": "Who won the 2022 FIFA World Cup?"})
    sc = r.structured_content or {}
    check("ask: an out-of-domain question abstains with its failure_mode",
          sc.get("failure_mode") == "no_match" and sc.get("value") is None
          and r.content[0].text.startswith("Not answered from the data"), json.dumps(sc)[:300])

    r = await tool(session, "search_datasets", {"query": "synthetic price index"})
    ids = [d["id"] for d in (r.structured_content or {}).get("datasets", [])]
    check("search_datasets finds a dataset by its English words", ids[:1] == ["mcp_synthetic"],
          str(ids))
    r = await tool(session, "search_datasets", {"query": "indeks harga negeri", "limit": 2})
    ds = (r.structured_content or {}).get("datasets", [])
    check("search_datasets finds it by its Malay words, with limit, coverage and measures",
          len(ds) <= 2 and ds and ds[0]["id"] == "mcp_synthetic"
          and ds[0]["coverage"] == {"first": "2020-01-01", "last": "2021-12-01"}
          and ds[0]["measures"] == ["index"] and ds[0]["frequency"] == "monthly", json.dumps(ds)[:500])

    r = await tool(session, "describe_dataset", {"dataset": "mcp_synthetic"})
    d = r.structured_content or {}
    dims = {x["name"]: [v["value"] for v in x["values"]] for x in d.get("dimensions", [])}
    check("describe_dataset: measures, dimension values, periods, source URL",
          [m["name"] for m in d.get("measures", [])] == ["index"]
          and dims.get("state") == ["Johor", "Perak", "Sabah"] and len(d.get("periods", [])) == 24
          and d.get("source_url") == "https://example.invalid/mcp_synthetic.csv", json.dumps(d)[:600])
    r = await tool(session, "describe_dataset", {"dataset": "mcp_synthetc"})
    text = r.content[0].text if r.content else ""
    check("describe_dataset: an unknown id is a tool error naming the nearest ids",
          r.is_error and "mcp_synthetic" in text and "nearest" in text, text)

    r = await tool(session, "get_series", {"dataset": "mcp_synthetic", "measure": "index",
                                           "filters": {"state": "Perak"}, "from": "2021", "to": "2021"})
    s = r.structured_content or {}
    pts = s.get("points", [])
    check("get_series by name: 12 points of 2021 for Perak, oldest first, each with its row",
          len(pts) == 12 and pts[0]["period"] == "2021-01-01" and pts[0]["value"] == 123.0
          and pts[-1]["value"] == 134.0 and all(isinstance(p["row"], int) for p in pts)
          and s.get("filters") == {"state": "Perak"} and not s.get("truncated"), json.dumps(s)[:600])
    r = await tool(session, "get_series", {"dataset": "mcp_synthetic", "measure": "index",
                                           "filters": {"state": "Perak"}, "max_points": 5})
    s = r.structured_content or {}
    check("get_series is capped and says so (the latest points kept)",
          len(s.get("points", [])) == 5 and s.get("truncated") is True
          and s["points"][-1]["period"] == "2021-12-01", json.dumps(s)[:400])
    r = await tool(session, "get_series", {"dataset": "mcp_synthetic", "measure": "index"})
    text = r.content[0].text if r.content else ""
    check("get_series: an open dimension is a tool error naming it", r.is_error and '"state"' in text,
          text)
    r = await tool(session, "get_series", {"question": "synthetic price index in Sabah since 2021"})
    s = r.structured_content or {}
    check("get_series by question: the series answer's points", not r.is_error
          and len(s.get("points", [])) >= 12 and s["points"][0]["period"] >= "2021", json.dumps(s)[:600]
          or (r.content[0].text if r.content else ""))
    r = await tool(session, "get_series", {"question": "Who won the 2022 FIFA World Cup?"})
    check("get_series by question: no series is a tool error", r.is_error, str(r))


async def error_checks(session):
    cases = [
        ("ask with k of the wrong type", "ask", {"question": SABAH, "k": "three"}),
        ("ask with k out of range", "ask", {"question": SABAH, "k": 0}),
        ("ask with an empty question", "ask", {"question": "   "}),
        ("ask with a 1 MB question", "ask", {"question": "population " * 100_000}),
        ("ask without its question", "ask", {}),
        ("ask with an unknown argument", "ask", {"question": SABAH, "sql": "DROP TABLE x"}),
        ("an unknown tool", "drop_tables", {}),
        ("get_series with neither form", "get_series", {"measure": "index"}),
    ]
    for name, tool_name, args in cases:
        try:
            r = await session.call_tool(tool_name, args)
            ok = bool(r.is_error)
            detail = str(r)[:300]
        except Exception as e:  # an MCP error response is raised by the SDK
            ok, detail = True, str(e)
        check(f"{name} is an MCP error", ok, detail)


async def resource_checks(session):
    listed = []
    cursor = None
    for _ in range(100):
        page = await session.list_resources(params=None if cursor is None else {"cursor": cursor})
        listed += page.resources
        cursor = page.next_cursor
        if not cursor:
            break
    uris = [str(r.uri) for r in listed]
    check("resources/list has one dataset:// resource per dataset", "dataset://mcp_synthetic" in uris
          and len(uris) == len(set(uris)) and all(u.startswith("dataset://") for u in uris), str(uris))
    r = await session.read_resource("dataset://mcp_synthetic")
    entry = json.loads(r.contents[0].text)
    check("a dataset:// resource is its catalogue entry", entry.get("title_en", "").startswith(
        "Synthetic test price index") and len(entry.get("fields", [])) == 3, json.dumps(entry)[:300])
    try:
        await session.read_resource("dataset://no_such_dataset")
        check("an unknown resource is an MCP error", False, "no error")
    except Exception as e:
        check("an unknown resource is an MCP error", "no dataset" in str(e), str(e))
    prompts = (await session.list_prompts()).prompts
    check("prompts/list has answer_with_dosm_figures", [p.name for p in prompts] ==
          ["answer_with_dosm_figures"], str(prompts))
    p = await session.get_prompt("answer_with_dosm_figures", {"question": SABAH})
    text = p.messages[0].content.text
    check("the prompt says to quote value, unit and period and say 'not in the data'",
          "value" in text and "unit" in text and "not in the data" in text and SABAH in text, text)


async def over_http(url, key):
    client = create_mcp_http_client(headers={"X-API-Key": key})
    async with client, streamable_http_client(url + "/mcp", http_client=client) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            info = await session.initialize()
            check("initialize over streamable HTTP: server dosm-rag with tools, resources, prompts",
                  info.server_info.name == "dosm-rag" and info.capabilities.tools is not None
                  and info.capabilities.resources is not None, str(info)[:300])
            await tool_checks(session, url, key)
            await resource_checks(session)
            await error_checks(session)


async def over_stdio(proxy_bin, database_url):
    params = StdioServerParameters(command=proxy_bin, args=["mcp-stdio"],
                                   env={"DATABASE_URL": database_url, "RUST_LOG": "warn",
                                        "PATH": os.environ.get("PATH", "")})
    async with stdio_client(params) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            info = await session.initialize()
            check("initialize over stdio", info.server_info.name == "dosm-rag", str(info)[:300])
            tools = (await session.list_tools()).tools
            check("tools/list over stdio", len(tools) == 4, str([t.name for t in tools]))
            r = await session.call_tool("ask", {"question": SABAH})
            check("ask over stdio gives the same value", (r.structured_content or {}).get("value") == 5.7,
                  str(r)[:300])
            r = await session.call_tool("describe_dataset", {"dataset": "mcp_synthetic"})
            check("describe_dataset over stdio", not r.is_error, str(r)[:300])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--proxy-bin", required=True)
    ap.add_argument("--database-url", required=True)
    a = ap.parse_args()
    auth_checks(a.url, a.key)
    anyio.run(over_http, a.url, a.key)
    anyio.run(over_stdio, a.proxy_bin, a.database_url)
    print(f"mcp: {RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    assert httpx2  # the SDK's HTTP client, imported to fail early when the venv lacks it
    main()
