"""The chat page in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

Run by tests/browser/run.sh, which starts two proxies with UI_ENABLED=true over a database holding
only the synthetic fixture (tests/browser/fixtures): --url with a generous rate limit, --limited-url
with UI_RATE_PER_MIN=2. Each case prints `ok`/`FAILED`; the last line is
`browser: N passed, M failed`, and the exit status is non-zero on any failure.
"""

import argparse
import base64
import csv
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from urllib.parse import urlparse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "synthetic_lfs_state.csv")

Q_SINGLE = "What was the unemployment rate in Selangor in 2021?"
Q_MALAY = "Berapakah kadar pengangguran di Sabah pada 2022?"
Q_SERIES = "How has the unemployment rate in Sabah changed since 2018?"
Q_RANKING = "Which state had the highest unemployment rate in 2021?"
Q_COMPARE = "Compare the unemployment rate of Sabah and Johor in 2021"
Q_ABSTAIN = "What was the unemployment rate in Sabah in 2010?"  # period_not_available
Q_NO_MATCH = "How many tourists visited Sabah in 2021?"  # no_match, with candidates


def fixture():
    """{(state, year): (lf, u_rate)} from the synthetic CSV, to know each expected figure."""
    with open(FIXTURE, newline="") as f:
        return {(r["state"], r["date"][:4]): (float(r["lf"]), float(r["u_rate"])) for r in csv.DictReader(f)}


class Browser:
    """One headless Chromium with its own profile; never downloads anything."""

    def __init__(self, lang="en-GB", width=1280, height=800):
        self.profile = tempfile.mkdtemp(prefix="dosm_rag_chromium.")
        o = webdriver.ChromeOptions()
        o.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for a in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--user-data-dir={self.profile}", f"--window-size={width},{height}", f"--lang={lang}",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
            "--metrics-recording-only", "--hide-scrollbars", "--force-color-profile=srgb",
        ):
            o.add_argument(a)
        o.add_experimental_option("prefs", {"intl.accept_languages": lang})
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.d = webdriver.Chrome(service=Service(executable_path=driver), options=o)
        self.d.set_script_timeout(60)
        self.logs = []

    def open(self, url):
        self.d.get(url)
        WebDriverWait(self.d, 20).until(lambda d: d.execute_script(
            "return document.readyState === 'complete' && document.querySelectorAll('#examples button').length > 0"))

    def asked(self):
        return int(self.d.execute_script("return Number(document.body.dataset.asked || 0)"))

    def ask(self, question, timeout=60):
        """Types the question and presses Enter, as a person would; waits for the page's answer."""
        before = self.asked()
        box = self.d.find_element(By.ID, "q")
        box.clear()
        box.send_keys(question)
        box.send_keys(Keys.ENTER)
        self.wait_answer(before, timeout)

    def wait_answer(self, before, timeout=60):
        WebDriverWait(self.d, timeout).until(lambda d: self.asked() > before)

    def text(self, id_):
        return self.d.find_element(By.ID, id_).text.strip()

    def visible(self, id_):
        return self.d.find_element(By.ID, id_).is_displayed()

    def collect_logs(self):
        self.logs.extend(self.d.get_log("browser"))
        return self.logs

    def screenshot(self, path, width, height):
        """A full-page PNG at a device size (CSS pixels), as a person on that device sees it."""
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
        time.sleep(0.4)  # the page redraws its chart on resize (debounced 150 ms)
        full = self.d.execute_script("return Math.max(document.documentElement.scrollHeight, window.innerHeight)")
        shot = self.d.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": full, "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def http(url, body=None, headers=None, method=None):
    """(status, headers, body) of one request, errors included."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def num(text):
    return float(text.replace(",", "").replace("%", "").strip())


class Suite:
    def __init__(self, args):
        self.args = args
        self.data = fixture()
        self.passed = 0
        self.failed = 0
        self.en = None

    def case(self, name, fn):
        t0 = time.monotonic()
        try:
            fn()
            self.passed += 1
            print(f"  ok      {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported and counted
            self.failed += 1
            print(f"  FAILED  {name}: {e}", flush=True)
            traceback.print_exc(limit=3, file=sys.stdout)
            if self.en is not None:
                try:
                    slug = "".join(c if c.isalnum() else "-" for c in fn.__name__)
                    self.en.d.save_screenshot(os.path.join(self.args.artifacts, f"failed-{slug}.png"))
                except Exception:  # noqa: BLE001
                    pass

    # ---- cases ------------------------------------------------------------------------------

    def single_value(self):
        b = self.en
        b.open(self.args.url)
        check(b.d.execute_script("return document.documentElement.lang") == "en", "page not in English")
        b.ask(Q_SINGLE)
        want = self.data[("Selangor", "2021")][1]
        check(b.visible("figure"), "no figure shown")
        check(abs(num(b.text("value")) - want) < 1e-9, f"value {b.text('value')!r}, want {want}")
        check(b.text("unit") in ("%", "percent"), f"unit {b.text('unit')!r}")
        check(b.text("period") == "2021", f"period {b.text('period')!r}")
        check(f"{want:g}%" in b.text("answer"), f"answer {b.text('answer')!r} lacks {want:g}%")
        link = b.d.find_element(By.CSS_SELECTOR, "#source a")
        check("Synthetic" in link.text, f"source title {link.text!r}")
        check(link.get_attribute("href").startswith("https://"), "source not linked")
        check("data as of 2023" in b.text("source"), f"source line {b.text('source')!r}")
        check(not b.visible("chart"), "a chart for a single value")
        # the cited rows, SQL and confidence are collapsed until opened
        for d in ("rows-details", "sql-details", "confidence-details"):
            check(b.d.find_element(By.ID, d).get_attribute("open") is None, f"{d} open by default")
        b.d.find_element(By.CSS_SELECTOR, "#rows-details summary").click()
        check("Selangor" in b.text("rows"), "cited row not shown")
        b.d.find_element(By.CSS_SELECTOR, "#sql-details summary").click()
        check("SELECT" in b.text("sql").upper(), "no SQL shown")
        # copy citation (clipboard permission granted, as a person's click would have it)
        b.d.execute_cdp_cmd("Browser.grantPermissions", {
            "origin": self.args.url.rstrip("/"), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
        b.d.find_element(By.ID, "copy").click()
        WebDriverWait(b.d, 5).until(lambda d: b.text("copy-status") != "")
        check(b.text("copy-status").startswith("Citation copied"), f"copy: {b.text('copy-status')!r}")

    def keyboard(self):
        b = self.en
        b.open(self.args.url)
        body = b.d.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        check(b.d.switch_to.active_element.get_attribute("class") == "skip", "first Tab is not the skip link")
        b.d.switch_to.active_element.send_keys(Keys.ENTER)
        # skip link → question box; then the Ask button
        WebDriverWait(b.d, 5).until(lambda d: d.switch_to.active_element.get_attribute("id") == "q")
        before = b.asked()
        b.d.switch_to.active_element.send_keys(Q_SINGLE)
        b.d.switch_to.active_element.send_keys(Keys.TAB)
        check(b.d.switch_to.active_element.get_attribute("id") == "send", "Tab from the box is not Ask")
        b.d.switch_to.active_element.send_keys(Keys.ENTER)
        b.wait_answer(before)
        check(b.visible("figure"), "keyboard question not answered")
        live = b.d.find_element(By.ID, "answer").get_attribute("aria-live")
        check(live == "polite", "the answer is not a live region")

    def malay(self):
        b = Browser(lang="ms-MY")
        try:
            b.open(self.args.url)
            check(b.d.execute_script("return document.documentElement.lang") == "ms",
                  f"navigator.language {b.d.execute_script('return navigator.language')!r} did not pick Malay")
            check(b.d.find_element(By.CSS_SELECTOR, "label[for=q]").text == "Soalan anda", "label not in Malay")
            check(b.text("send") == "Tanya", "button not in Malay")
            b.ask(Q_MALAY)
            answer = b.d.find_element(By.ID, "answer")
            want = self.data[("Sabah", "2022")][1]
            check(answer.get_attribute("lang") == "ms", "the answer is not marked Malay")
            words = answer.text.lower().split()
            check("pada" in words or "bagi" in words, f"answer {answer.text!r} is not Malay")
            check(abs(num(b.text("value")) - want) < 1e-9, f"value {b.text('value')!r}, want {want}")
            check(b.text("source").startswith("Sumber:"), f"source line {b.text('source')!r}")
            b.screenshot(os.path.join(self.args.artifacts, "phone-malay.png"), 390, 844)
            # the toggle switches the labels, and the choice is kept
            b.d.find_element(By.ID, "lang-en").click()
            check(b.d.find_element(By.CSS_SELECTOR, "label[for=q]").text == "Your question", "toggle to English")
            check(b.d.find_element(By.ID, "lang-en").get_attribute("aria-pressed") == "true", "aria-pressed")
            b.d.find_element(By.ID, "lang-ms").click()
            check(b.text("send") == "Tanya", "toggle back to Malay")
            severe = [e for e in b.collect_logs() if e["level"] == "SEVERE"]
            check(not severe, f"console errors: {severe}")
        finally:
            b.quit()

    def series_chart(self):
        b = self.en
        b.open(self.args.url)
        b.ask(Q_SERIES)
        years = sorted(y for (s, y) in self.data if s == "Sabah")
        fig = b.d.find_element(By.ID, "chart")
        check(fig.is_displayed(), "no chart for a series")
        check(fig.get_attribute("data-kind") == "line", f"chart kind {fig.get_attribute('data-kind')}")
        points = b.d.find_elements(By.CSS_SELECTOR, "#chart circle.point")
        check(len(points) == len(years), f"{len(points)} points, want one per period ({len(years)})")
        got = [p.get_attribute("data-period")[:4] for p in points]
        check(got == years, f"points at {got}, want {years}")
        labels = [t.text for t in b.d.find_elements(By.CSS_SELECTOR, "#chart .axis text")]
        check(years[0] in labels and years[-1] in labels, f"x axis labels {labels}")
        titles = [t.text for t in b.d.find_elements(By.CSS_SELECTOR, "#chart .axis-title")]
        check("Period" in titles and any("%" in t for t in titles), f"axis titles {titles}")
        check(b.text("period") == f"{years[-1]} (latest of {years[0]} – {years[-1]})", f"period {b.text('period')!r}")
        last = self.data[("Sabah", years[-1])][1]
        check(abs(num(b.text("value")) - last) < 1e-9, f"headline {b.text('value')!r}, want the last value {last}")

    def ranking_chart(self):
        b = self.en
        b.open(self.args.url)
        b.ask(Q_RANKING)
        states = {s: v[1] for (s, y), v in self.data.items() if y == "2021" and s != "Malaysia"}
        top = max(states, key=states.get)
        fig = b.d.find_element(By.ID, "chart")
        check(fig.is_displayed() and fig.get_attribute("data-kind") == "bars", "no bar chart for a ranking")
        bars = b.d.find_elements(By.CSS_SELECTOR, "#chart rect.bar")
        check(len(bars) == int(fig.get_attribute("data-points")) and len(bars) >= 2, f"{len(bars)} bars")
        check(top in b.text("answer"), f"answer {b.text('answer')!r} does not name {top}")
        first = b.d.find_element(By.CSS_SELECTOR, "#chart rect.bar.first title").get_attribute("textContent")
        check(first.startswith(top), f"first bar {first!r}, want {top}")

    def comparison_chart(self):
        b = self.en
        b.open(self.args.url)
        b.ask(Q_COMPARE)
        fig = b.d.find_element(By.ID, "chart")
        check(fig.is_displayed() and fig.get_attribute("data-kind") == "bars", "no bar chart for a comparison")
        bars = b.d.find_elements(By.CSS_SELECTOR, "#chart rect.bar")
        check(len(bars) == 2, f"{len(bars)} bars for two states")
        diff = self.data[("Sabah", "2021")][1] - self.data[("Johor", "2021")][1]
        check(abs(num(b.text("value").lstrip("+")) - round(diff, 6)) < 1e-6, f"difference {b.text('value')!r}, want {diff:+g}")
        check(b.text("unit") == "percentage points", f"unit {b.text('unit')!r}")
        check(b.text("period") == "Sabah − Johor, 2021", f"period {b.text('period')!r}")

    def abstention(self):
        b = self.en
        b.open(self.args.url)
        b.ask(Q_ABSTAIN)
        check(b.visible("notice"), "no help text for an abstention")
        check(not b.visible("figure"), "a figure shown for an abstention")
        buttons = b.d.find_elements(By.CSS_SELECTOR, "#refine button")
        check(buttons, "no candidates or available periods offered")
        labels = [x.text for x in buttons]
        question = buttons[0].get_attribute("data-question")
        before = b.asked()
        buttons[0].click()
        b.wait_answer(before)
        check(b.d.find_element(By.ID, "q").get_attribute("value") == question, "the click did not ask its question")
        check(b.d.switch_to.active_element.get_attribute("id") == "answer-heading", "focus not moved to the answer")
        check(b.visible("figure"), f"the refined question {question!r} (from {labels}) was not answered")

    def candidates(self):
        b = self.en
        b.open(self.args.url)
        b.ask(Q_NO_MATCH)
        check(b.visible("notice"), "no help text for no_match")
        buttons = b.d.find_elements(By.CSS_SELECTOR, "#refine button")
        check(len(buttons) >= 2, f"{len(buttons)} candidates shown")
        check(all("Sabah" in x.text for x in buttons), f"candidates {[x.text for x in buttons]}")
        question = buttons[0].get_attribute("data-question")
        before = b.asked()
        buttons[0].send_keys(Keys.ENTER)  # by keyboard this time
        b.wait_answer(before)
        check(b.d.find_element(By.ID, "q").get_attribute("value") == question, "the candidate did not ask its question")
        check(b.visible("figure") and b.text("period") == "2021", f"{question!r} not answered for 2021")

    def rate_limit(self):
        b = Browser()
        try:
            b.open(self.args.limited_url)
            for _ in range(2):  # UI_RATE_PER_MIN=2: two questions pass
                b.ask(Q_SINGLE)
                check(b.visible("figure"), "a question under the limit was refused")
            b.ask(Q_SINGLE)
            status = b.d.find_element(By.ID, "status")
            check("error" in status.get_attribute("class"), "the refusal is not shown as an error")
            check(status.text.startswith("Too many questions"), f"status {status.text!r}")
            check(any(ch.isdigit() for ch in status.text), "no wait time in the message")
            check(status.get_attribute("role") == "status", "the message is not announced")
            # the only console errors allowed here are the browser's own notes of the 429
            other = [e for e in b.collect_logs() if e["level"] == "SEVERE" and "429" not in e["message"]]
            check(not other, f"console errors: {other}")
        finally:
            b.quit()

    def console_clean(self):
        b = self.en
        severe = [e for e in b.collect_logs() if e["level"] == "SEVERE"]
        check(not severe, f"console errors: {json.dumps(severe, indent=1)}")
        origin = "{0.scheme}://{0.netloc}".format(urlparse(self.args.url))
        urls = b.d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        outside = [u for u in urls if not u.startswith(origin)]
        check(not outside, f"requests outside the origin: {outside}")

    def accessibility(self):
        b = self.en
        with open(self.args.axe) as f:
            axe = f.read()
        found = []
        for question in (Q_SERIES, Q_ABSTAIN, Q_RANKING):
            b.open(self.args.url)
            b.ask(question)
            b.d.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
            b.d.execute_script(axe)
            result = b.d.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
                ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
            for v in result:
                if v.get("impact") in ("serious", "critical"):
                    nodes = [n.get("target") for n in v.get("nodes", [])][:3]
                    found.append(f"{question!r}: {v['id']} ({v['impact']}): {v['help']} at {nodes}")
            minor = [f"{v['id']} ({v.get('impact')})" for v in result if v.get("impact") not in ("serious", "critical")]
            if minor:
                print(f"          axe, minor, for {question!r}: {', '.join(minor)}")
        check(not found, "; ".join(found))

    def screenshots(self):
        b = self.en
        out = self.args.artifacts
        shots = [
            ("desktop-series.png", Q_SERIES, 1280, 800),
            ("desktop-abstention.png", Q_ABSTAIN, 1280, 800),
            ("phone-answer.png", Q_SINGLE, 390, 844),
            ("phone-ranking.png", Q_RANKING, 390, 844),
        ]
        for name, question, w, h in shots:
            b.open(self.args.url)
            b.ask(question)
            b.screenshot(os.path.join(out, name), w, h)
            check(os.path.getsize(os.path.join(out, name)) > 10_000, f"{name} is empty")
        # no horizontal scrolling on a phone
        b.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        time.sleep(0.4)
        wide = b.d.execute_script("return document.documentElement.scrollWidth")
        b.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        check(wide <= 390, f"the page is {wide} px wide on a 390 px phone")

    def serving(self):
        """Headers and statuses, over plain HTTP: what the browser cases take for granted."""
        base = self.args.url.rstrip("/")
        status, h, body = http(base + "/")
        check(status == 200 and h["Content-Type"] == "text/html; charset=utf-8", f"/: {status} {h['Content-Type']}")
        csp = h["Content-Security-Policy"]
        check(csp.startswith("default-src 'self'; script-src 'self'; style-src 'self';"), f"CSP {csp!r}")
        check(csp.endswith("frame-ancestors 'none'") and "unsafe" not in csp, f"CSP {csp!r}")
        check(h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "DENY", "nosniff / DENY")
        check(h["Referrer-Policy"] and h["Cache-Control"] == "no-cache" and h["ETag"], "referrer, caching")
        check(http(base + "/", headers={"If-None-Match": h["ETag"]})[0] == 304, "no 304 for the current ETag")
        for asset, kind in (("app.js", "text/javascript"), ("app.css", "text/css"), ("favicon.svg", "image/svg+xml")):
            check(f"ui/{asset}?v=".encode() in body, f"the page does not link a versioned {asset}")
            status, ah, _ = http(f"{base}/ui/{asset}")
            check(status == 200 and ah["Content-Type"].startswith(kind), f"{asset}: {status} {ah['Content-Type']}")
            check(ah["Content-Security-Policy"] == csp and ah["X-Content-Type-Options"] == "nosniff", f"{asset} headers")
            check("max-age=" in ah["Cache-Control"], f"{asset} Cache-Control {ah['Cache-Control']!r}")
        ask = base + "/ui/ask"
        json_h = {"Content-Type": "application/json"}
        check(http(ask, '{"query": "x"}', {"Content-Type": "text/plain"})[0] == 415, "not JSON: 415")
        check(http(ask, '{"query": "  "}', json_h)[0] == 400, "blank query: 400")
        check(http(ask, '{"query": "x", "lang": "fr"}', json_h)[0] == 400, "lang fr: 400")
        check(http(ask, '{"query": "x", "k": 3}', json_h)[0] == 400, "unknown field: 400")
        check(http(ask, json.dumps({"query": "x" * 20000}), json_h)[0] == 413, "over MAX_BODY_BYTES: 413")
        status, _, out = http(ask, json.dumps({"query": Q_SINGLE}), json_h)
        check(status == 200 and "prediction" in json.loads(out), f"/ui/ask: {status}")
        paths = json.loads(http(base + "/openapi.json")[2])["paths"]
        check("/ui/ask" in paths and "/" in paths, "the page's routes are not in /openapi.json")
        # off: / stays a 404, and the spec does not list the page
        off = self.args.off_url.rstrip("/")
        check(http(off + "/")[0] == 404 and http(off + "/ui/ask", "{}", json_h)[0] == 404, "the page is served when off")
        check("/ui/ask" not in json.loads(http(off + "/openapi.json")[2])["paths"], "off, yet documented")

    def forwarded_for(self):
        """Behind a trusted proxy, each X-Forwarded-For client has its own allowance (here 2 a minute)."""
        ask = self.args.limited_url.rstrip("/") + "/ui/ask"
        body = json.dumps({"query": Q_SINGLE, "lang": "ms"})
        hdr = lambda ip: {"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.99, {ip}"}  # noqa: E731
        for _ in range(2):
            check(http(ask, body, hdr("198.51.100.1"))[0] == 200, "under the limit")
        status, h, out = http(ask, body, hdr("198.51.100.1"))
        check(status == 429 and int(h["Retry-After"]) >= 1, f"third question: {status}")
        err = json.loads(out)["error"]
        check(err["code"] == "rate_limited" and err["message"].startswith("Terlalu banyak"), f"429 body {err}")
        check(http(ask, body, hdr("198.51.100.2"))[0] == 200, "another client shares the first one's allowance")

    def run(self):
        os.makedirs(self.args.artifacts, exist_ok=True)
        self.en = Browser()
        try:
            self.case("serving: headers, caching, input limits, OpenAPI; off is a 404", self.serving)
            self.case("X-Forwarded-For from a trusted proxy: one allowance per client", self.forwarded_for)
            self.case("a single-value question shows its value, source and citation", self.single_value)
            self.case("keyboard only: skip link, question box, Ask; live answer", self.keyboard)
            self.case("a Malay browser gets Malay labels and a Malay answer; the toggle works", self.malay)
            self.case("a series question draws a line with one point per period", self.series_chart)
            self.case("a ranking question draws bars, the top one first", self.ranking_chart)
            self.case("a comparison draws a bar per member; the headline is the difference", self.comparison_chart)
            self.case("an abstention offers refinements and a click asks one", self.abstention)
            self.case("no match: the candidates are buttons that ask the refined question", self.candidates)
            self.case("the rate limit shows a clear message", self.rate_limit)
            self.case("screenshots at 1280x800 and 390x844", self.screenshots)
            self.case("axe-core: no serious or critical violation", self.accessibility)
            self.case("the console has no errors; no request leaves the origin", self.console_clean)
        finally:
            self.en.quit()
        print(f"browser: {self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--limited-url", required=True)
    p.add_argument("--off-url", required=True)
    p.add_argument("--axe", required=True)
    p.add_argument("--artifacts", required=True)
    sys.exit(Suite(p.parse_args()).run())


if __name__ == "__main__":
    main()
