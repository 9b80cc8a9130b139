"""`make bench-web`: the web app served by a node whose replica holds 10,000 orders, measured in
headless Chromium (BENCHMARKS.md "Web app").

- Dashboard and order page, 100 full page loads each (a new URL each time, so the browser
  revalidates index.html and reuses the immutable assets, as a reload does): time to first byte
  and the page's load event from Navigation Timing, and "complete": the moment the app has
  painted the screen with its data (the `kct-ready` performance mark main.js sets).
- A status move, 100 times: from the click to the frame after the page shows the new status.
- The assets' total size, uncompressed and as served gzipped.

Environment: KCT (the binary; `make bench-web` uses .build/release/kct), BENCH_ORDERS (10000),
BENCH_LOADS (100).
"""

import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster as kct  # noqa: E402
from cluster import PASSWORD, Server, request  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from conftest import App, make_driver  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "10000"))
LOADS = int(os.environ.get("BENCH_LOADS", "100"))
MOVED = min(2000, ORDERS)
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent", "rush", "wedding_party", "prom_group",
              "vip_customer"]


def percentile(values, fraction):
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def summary(values):
    return {"p50": round(percentile(values, 0.5), 1), "p99": round(percentile(values, 0.99), 1),
            "max": round(max(values), 1), "n": len(values)}


def make_orders(count):
    rng = random.Random(42)
    orders = []
    for n in range(count):
        orders.append({
            "customer_name": f"Customer {n:05d}",
            "customer_email": f"customer{n}@example.com",
            "customer_phone": f"+1 555 {n % 1000:03d} {n % 10000:04d}",
            "priority": PRIORITIES[n % len(PRIORITIES)],
            "tax_amount": "42.50",
            "shipping_amount": "15.00",
            "needed_by": f"2027-0{1 + n % 9}-{10 + n % 18}",
            "shipping_address": {"line1": f"{n} Main St", "city": "Kansas City", "postal_code": "64105",
                                 "country": "US"},
            "notes": "fitting on Friday" if n % 7 == 0 else None,
            "items": [
                {"product_name": "Navy Suit", "unit_price": f"{500 + rng.randint(0, 400)}.00", "quantity": 1,
                 "size": "40R", "color": "navy",
                 "custom_measurements": {"chest": 38 + n % 8, "waist": 30 + n % 8, "sleeve": 24.5}},
                {"product_name": "Silk Tie", "unit_price": "75.00", "quantity": 1 + n % 3},
            ],
        })
    return orders


def main():
    # BENCH_DIR keeps the replica (and reuses it when it is there): making 10,000 orders takes a while.
    keep = os.environ.get("BENCH_DIR")
    directory = keep or tempfile.mkdtemp(prefix="kct-bench-web-")
    os.makedirs(directory, exist_ok=True)
    reuse = os.path.exists(os.path.join(directory, "W1", "replica.sqlite"))
    env = {"KCT_DATA_DIR": os.path.join(directory, "W1")}
    server = None
    try:
        print(f"replica: {ORDERS} orders ({directory})", flush=True)
        if not reuse:
            prepare(env, directory)
        server = Server("node", ["node", "run", "--listen", "127.0.0.1:0"], env, directory, "node listening on")
        if not reuse:
            add_history(server.url)
        for path in ["/api/stats", "/api/analytics", "/api/orders/S01-W1-000004"]:
            print(f"GET {path}: {timed(server.url, path):.1f} ms", flush=True)
        bench(server.url)
    finally:
        if server:
            server.stop()
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def token(url):
    status, body, _ = request(url + "/api/session", "POST", {"email": "admin@kct.example", "password": PASSWORD})
    assert status == 201, body
    return body["token"]


def timed(url, path):
    headers = {"Authorization": "Bearer " + token(url)}
    started = time.perf_counter()
    request(url + path, headers=headers, timeout=120)
    return (time.perf_counter() - started) * 1000


def prepare(env, directory):
    def run(*args, stdin=None, timeout=120):
        result = subprocess.run([kct.KCT] + list(args), input=stdin, capture_output=True, text=True,
                                env={**os.environ, **env}, timeout=timeout)
        assert result.returncode == 0, result.stderr
        return result

    run("init", "--name", "W1", "--shop", "S01")
    run("users", "add", "--email", "admin@kct.example", "--name", "Ada Admin", "--role", "admin",
        "--password-stdin", stdin=PASSWORD + "\n")
    run("login", "--email", "admin@kct.example", "--password-stdin", stdin=PASSWORD + "\n")
    path = os.path.join(directory, "orders.json")
    with open(path, "w") as file:
        json.dump(make_orders(ORDERS), file)
    started = time.time()
    run("orders", "create", "--from-json", path, timeout=3600)
    print(f"created in {time.time() - started:.1f} s", flush=True)


def add_history(url):
    """Status history for the analytics: 2,000 orders moved along (several sessions, as the local
    API limits each session to 100 requests/s)."""
    sessions = [token(url) for _ in range(8)]
    steps = ["payment_confirmed", "processing", "in_production", "quality_check", "packaging", "shipped"]

    def advance(n):
        headers = {"Authorization": "Bearer " + sessions[n % len(sessions)]}
        number = f"S01-W1-{n + 1:06d}"
        for status in steps[: 1 + n % len(steps)]:
            for _ in range(20):
                code, _, _ = request(f"{url}/api/orders/{number}/status", "POST", {"status": status}, headers)
                if code != 429:
                    break
                time.sleep(0.2)

    started = time.time()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(advance, range(MOVED)))
    print(f"moved {MOVED} orders along in {time.time() - started:.1f} s", flush=True)


def bench(url):
    driver = make_driver(1280, 900)
    try:
        driver.set_script_timeout(120)
        app = App(driver, type("NodeURL", (), {"url": url})())
        driver.delete_all_cookies()
        app.open("#/orders")
        app.visible("#signin-email").send_keys("admin@kct.example")
        driver.find_element(By.ID, "signin-password").send_keys(PASSWORD + "\n")
        app.find("[data-view=orders]", timeout=120)
        order_number = "S01-W1-000004"  # moved to in_production: history, two items, measurements

        def load(route, view, count):
            ttfb, loaded, complete = [], [], []
            for i in range(count):
                driver.get(f"{url}/?r={i}#{route}")
                timing = driver.execute_async_script("""
                    const done = arguments[arguments.length - 1];
                    const poll = () => {
                      const ready = performance.getEntriesByName('kct-ready')[0];
                      const nav = performance.getEntriesByType('navigation')[0];
                      if (ready && nav.loadEventEnd > 0) {
                        done({ttfb: nav.responseStart - nav.startTime, load: nav.loadEventEnd - nav.startTime,
                              ready: ready.startTime, view: document.querySelector('.screen').dataset.view});
                      } else setTimeout(poll, 2);
                    };
                    poll();""")
                assert timing["view"] == view, timing
                if i % 10 == 0:
                    print(f"  {view} load {i}: {timing}", flush=True)
                ttfb.append(timing["ttfb"])
                loaded.append(timing["load"])
                complete.append(timing["ready"])
            return {"ttfb_ms": summary(ttfb), "load_event_ms": summary(loaded), "complete_ms": summary(complete)}

        results = {"orders": ORDERS, "loads": LOADS}
        driver.set_page_load_timeout(180)
        # The first dashboard also works out the analytics (the page keeps them for 30 s): how long
        # until its charts are drawn, once; the loads below measure the page itself.
        driver.get(f"{url}/?warm#/dashboard")
        results["analytics_charts_ms"] = round(driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const poll = () => {
              const mark = performance.getEntriesByName('kct-analytics')[0];
              if (mark) done(mark.startTime); else setTimeout(poll, 5);
            };
            poll();"""), 1)
        print("analytics charts after", results["analytics_charts_ms"], "ms", flush=True)
        load("/dashboard", "dashboard", 3)  # warm the caches
        results["dashboard"] = load("/dashboard", "dashboard", LOADS)
        print("dashboard", results["dashboard"], flush=True)
        results["order_page"] = load("/orders/" + order_number, "order", LOADS)
        print("order page", results["order_page"], flush=True)

        # Status moves: on hold and back, clicked in the page, until the header shows the status.
        moves = []
        for _ in range(LOADS):
            duration = driver.execute_async_script("""
                const done = arguments[arguments.length - 1];
                // On hold, then back to where it was (the resume move is the first non-suspending one).
                const button = document.querySelector('button[data-move=on_hold]')
                  || document.querySelector('.move-buttons button[data-move]:not([data-move=exception])'
                    + ':not([data-move=cancelled]):not([data-move=refunded])');
                const target = button.dataset.move;
                const start = performance.now();
                const observer = new MutationObserver(() => {
                  if (document.querySelector(`.order-header [data-status="${target}"]`)) {
                    observer.disconnect();
                    requestAnimationFrame(() => done(performance.now() - start));
                  }
                });
                observer.observe(document.getElementById('main'), {subtree: true, childList: true,
                  attributes: true, characterData: true});
                button.click();""")
            moves.append(duration)
            app.find(".order-header [data-status]")
        results["status_move_ms"] = summary(moves)
        print("status move", results["status_move_ms"], flush=True)
    finally:
        driver.quit()

    # Assets: every file the binary serves, uncompressed and gzipped (level 9, as served).
    web = os.path.join(kct.ROOT, "web")
    files = [os.path.join(base, name) for base, _, names in os.walk(web) for name in names
             if not name.endswith(".png")]
    raw = sum(os.path.getsize(name) for name in files)
    zipped = sum(len(gzip.compress(open(name, "rb").read(), 9)) for name in files)
    results["assets"] = {"files": len(files), "bytes": raw, "gzip_bytes": zipped}
    out = os.path.join(kct.ROOT, ".build", "bench-web.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as file:
        json.dump(results, file, indent=2)
    print_table(results)


def print_table(results):
    print(f"\n| page ({results['orders']:,} orders, {results['loads']} loads) | TTFB p50 / p99 | load event p50 / p99 |"
          " complete p50 / p99 |")
    print("|---|---|---|---|")
    for key, name in [("dashboard", "dashboard"), ("order_page", "order page")]:
        row = results[key]
        cells = [f"{row[m]['p50']} / {row[m]['p99']} ms" for m in ("ttfb_ms", "load_event_ms", "complete_ms")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"dashboard analytics charts drawn (first load, analytics worked out): {results['analytics_charts_ms']} ms")
    move = results["status_move_ms"]
    print(f"\nstatus move click → repaint: p50 {move['p50']} ms, p99 {move['p99']} ms")
    assets = results["assets"]
    print(f"assets: {assets['files']} files, {assets['bytes']:,} bytes ({assets['gzip_bytes']:,} gzipped)")


if __name__ == "__main__":
    main()
