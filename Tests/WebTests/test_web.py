"""The staff's web app in a real headless Chromium against real `kct` processes: central and two
workstations (W1, W2) with their daemons (conftest.py). Each test makes the orders it needs."""

import http.server
import re
import os
import threading
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from cluster import PASSWORD, request, sample_order, wait_until
from conftest import App, make_driver

MANAGER = "maria@kct.example"
PROCESSOR = "ana@kct.example"
VIEWER = "vic@kct.example"

LIFECYCLE = ["payment_confirmed", "processing", "in_production", "quality_check", "packaging", "shipped",
             "out_for_delivery", "delivered", "completed"]


def create(node, as_user=MANAGER, **extra):
    return node.api("POST", "/orders", sample_order(**extra), as_user=as_user, expect=201)


def open_order(app, number):
    app.go("#/orders/" + number, "order")
    return app.find(f"[data-view=order][data-order='{number}']")


def status_badge(app):
    return app.find(".order-header [data-status]").get_attribute("data-status")


def move(app, status):
    app.find(f"button[data-move='{status}']").click()
    app.find(f".order-header [data-status='{status}']")


def sync_bar_state(app):
    return app.find("#syncbar .sync-state").get_attribute("data-state")


# ---- Sign-in and the screens


def test_sign_in_wrong_password_then_dashboard(app):
    app.driver.delete_all_cookies()
    app.open("#/dashboard")
    app.visible("#signin-email").send_keys(MANAGER)
    app.driver.find_element(By.ID, "signin-password").send_keys("not the password\n")
    app.text_in("#signin-error", "wrong e-mail or password")
    app.screenshot("01-sign-in")
    field = app.driver.find_element(By.ID, "signin-password")
    field.clear()
    field.send_keys(PASSWORD + "\n")
    app.find("[data-view=dashboard] [data-stat=total]")
    assert "Maria Manager" in app.find("#who").text
    # The session is an HttpOnly, SameSite=Strict cookie the page's scripts cannot read.
    cookie = app.driver.get_cookie("kct_session")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "kct_session" not in app.driver.execute_script("return document.cookie")
    # A reload keeps the session (the CSRF token comes back from GET /api/session).
    app.driver.refresh()
    app.find("[data-view=dashboard] [data-stat=total]")


def test_dashboard_queue_orders_screens(app, w1):
    create(w1, customer="Dash Board", priority="rush", items=2)
    app.sign_in(MANAGER)
    app.find("[data-view=dashboard] [data-stat=rush]")
    wait_until("the dashboard to count the order",
               lambda: int(app.find("[data-stat=total] .card-value").text) >= 1)
    app.find("[data-view=dashboard] svg.chart, [data-view=dashboard] .chart-empty")
    app.full_screenshot("02-dashboard")
    app.screenshot("02-dashboard-1920", width=1920, height=1080)
    app.go("#/queue", "queue")
    app.find("[data-view=queue] tbody tr")
    app.screenshot("03-queue")
    app.go("#/orders", "orders")
    search = app.find("#orders-search")
    search.send_keys("Dash\n")
    wait_until("the search to filter", lambda: all("Dash Board" in row.text for row in app.all(".orders tbody tr"))
               and app.all(".orders tbody tr"))
    app.screenshot("04-orders")
    # Quick status move from the table, offering only the node's allowed moves.
    app.find(".orders tbody tr button[data-action=quick]").click()
    select = app.find(".orders form[data-form=quickmove] select")
    options = [option.get_attribute("value") for option in select.find_elements(By.TAG_NAME, "option")]
    assert "payment_confirmed" in options and "completed" not in options
    app.find(".orders form[data-form=quickmove] button[type=submit]").click()
    app.find(".orders tbody tr .badge.status-payment_confirmed")


def test_orders_pages_reach_every_order_and_step_back(app, w1):
    for index in range(30):
        create(w1, customer=f"Pager Person {index}")
    app.sign_in(MANAGER)
    app.go("#/orders?search=pager", "orders")

    def rows():
        return [row.get_attribute("data-order") for row in app.all(".orders tbody tr")]

    seen, pages = [], []
    while True:
        wait_until("the page to show", lambda: rows() and rows() != (pages[-1] if pages else None))
        pages.append(rows())
        seen += pages[-1]
        older = app.find("[data-view=orders] button[data-action=older]")
        if older.get_attribute("disabled") is not None:
            break
        older.click()
    assert len(pages) == 2 and len(pages[0]) == 25 and len(pages[1]) == 5, pages
    assert len(seen) == len(set(seen)) == 30
    app.find("[data-view=orders] button[data-action=newer]").click()
    wait_until("the first page again", lambda: rows() == pages[0])
    assert app.find("[data-view=orders] button[data-action=newer]").get_attribute("disabled") is not None


def test_create_order_with_two_items_and_measurements(app, w1):
    app.sign_in(PROCESSOR)
    app.go("#/orders/new", "new-order")
    form = app.find("form[data-form=create]")
    form.find_element(By.NAME, "customer_name").send_keys("Grace Hopper")
    form.find_element(By.NAME, "customer_email").send_keys("not-an-email")
    app.find("button[data-action=add-item]").click()
    blocks = app.all(".item-block")
    assert len(blocks) == 2
    details = [("Navy Suit", "899.00", "2", [("chest", "40"), ("waist", "34")]),
               ("Silk Tie", "75.00", "1", [("length", "148")])]
    for block, (name, price, quantity, measurements) in zip(blocks, details):
        block.find_element(By.CSS_SELECTOR, "input[name$='.product_name']").send_keys(name)
        block.find_element(By.CSS_SELECTOR, "input[name$='.unit_price']").send_keys(price)
        quantity_field = block.find_element(By.CSS_SELECTOR, "input[name$='.quantity']")
        quantity_field.clear()
        quantity_field.send_keys(quantity)
        for measure, value in measurements:
            block.find_element(By.CSS_SELECTOR, "button[data-action=add-measurement]").click()
            row = block.find_elements(By.CSS_SELECTOR, "[data-measurement]")[-1]
            inputs = row.find_elements(By.TAG_NAME, "input")
            inputs[0].send_keys(measure)
            inputs[1].send_keys(value)
    # The domain refuses the e-mail; its message appears beside that field.
    app.find("form[data-form=create] button[type=submit]").click()
    error = app.text_in("[data-field=customer_email] .field-error", "e-mail")
    assert error
    assert app.find("#field-customer-email").get_attribute("aria-invalid") == "true"
    app.full_screenshot("05-new-order-invalid")
    email = app.find("#field-customer-email")
    email.clear()
    email.send_keys("grace@example.com")
    app.find("form[data-form=create] button[type=submit]").click()
    article = app.find("[data-view=order]")
    number = article.get_attribute("data-order")
    order = w1.api("GET", "/orders/" + number)
    assert [item["product_name"] for item in order["items"]] == ["Navy Suit", "Silk Tie"]
    assert order["items"][0]["custom_measurements"] == {"chest": 40, "waist": 34}
    assert order["items"][1]["custom_measurements"] == {"length": 148}
    assert order["subtotal_amount"] == "1873.00"
    assert "Chest" in app.find(".items tbody").text
    # Edit an item's measurements on the order page.
    app.find("button[data-action=edit-item]").click()
    editor = app.find("form[data-form=item-edit]")
    editor.find_element(By.CSS_SELECTOR, "button[data-action=add-measurement]").click()
    row = editor.find_elements(By.CSS_SELECTOR, "[data-measurement]")[-1]
    inputs = row.find_elements(By.TAG_NAME, "input")
    inputs[0].send_keys("sleeve")
    inputs[1].send_keys("25.5")
    editor.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    app.text_in(".items tbody", "Sleeve")
    assert w1.api("GET", "/orders/" + number)["items"][0]["custom_measurements"]["sleeve"] == 25.5
    app.full_screenshot("06-order-page")
    app.screenshot("06-order-page-1024", width=1024, height=768)


def test_lifecycle_by_buttons_and_refused_move(app, w1):
    number = create(w1)["order_number"]
    app.sign_in(MANAGER)
    open_order(app, number)
    for status in LIFECYCLE:
        offered = [button.get_attribute("data-move") for button in app.all("button[data-move]")]
        assert status in offered, f"{status} not offered in {offered}"
        if status == "in_production":
            # A move the lifecycle refuses is not offered…
            assert "completed" not in offered and "shipped" not in offered
            # …and one forced by a crafted request shows the server's reason.
            app.driver.execute_script("""
                const button = document.createElement('button');
                button.type = 'submit'; button.name = 'status'; button.value = 'completed';
                button.id = 'forced'; button.textContent = 'forced';
                document.querySelector('.move-buttons').append(button);""")
            app.find("#forced").click()
            message = app.text_in("[data-form-error=move]", "completed")
            assert message
            assert status_badge(app) == "processing"
            app.screenshot("07-refused-move")
        move(app, status)
    assert status_badge(app) == "completed"
    assert app.all("button[data-move]") == []
    history = app.all(".timeline li")
    assert len(history) == 1 + len(LIFECYCLE)
    assert w1.api("GET", "/orders/" + number)["status"] == "completed"


def test_edit_on_second_workstation_appears_live(app, w1, w2):
    number = create(w1)["order_number"]
    wait_until("W2 to receive the order", lambda: w2.api("GET", "/orders/" + number, expect=None))
    app.sign_in(PROCESSOR)
    open_order(app, number)
    # The user is typing a message that must survive the live update.
    message = app.find("#field-message-content")
    message.send_keys("Called about the fitting, half-way through typ")
    w2.token(PROCESSOR)  # signed in beforehand: the clock below measures the sync and the page
    w2.api("POST", f"/orders/{number}/communications",
           {"communication_type": "note", "communication_channel": "phone", "message_content": "From W2"},
           as_user=PROCESSOR, expect=201)
    started = time.time()
    app.text_in(".log", "From W2", timeout=10)
    elapsed = time.time() - started
    print(f"W2's edit on W1's open page after {elapsed:.3f} s")
    assert elapsed < 1.5, f"took {elapsed:.2f} s"
    w2.api("PATCH", "/orders/" + number, {"customer_phone": "+1 555 999 0000"}, as_user=PROCESSOR)
    app.wait().until(lambda _: app.find("#field-customer-phone").get_attribute("value") == "+1 555 999 0000")
    message = app.find("#field-message-content")
    assert message.get_attribute("value") == "Called about the fitting, half-way through typ"
    assert app.driver.switch_to.active_element == message
    message.send_keys("ing")
    app.screenshot("08-live-update")


def test_offline_then_drained(app, cluster, w1):
    number = create(w1)["order_number"]
    app.sign_in(MANAGER)
    open_order(app, number)
    app.wait(10).until(lambda _: sync_bar_state(app) == "online")
    cluster.stop_central()
    stopped = time.time()
    try:
        app.wait(5).until(lambda _: sync_bar_state(app) == "offline")
        assert time.time() - stopped < 2.5
        # Edits still save, and wait in the outbox.
        move(app, "payment_confirmed")
        app.wait().until(lambda _: re.match(r"[1-9]\d* edits? waiting", app.find("#syncbar [data-sync=pending]").text))
        assert w1.sync_status()["pending"] >= 1
        app.screenshot("09-offline")
    finally:
        cluster.start_central()
    restarted = time.time()
    app.wait(20).until(lambda _: sync_bar_state(app) == "online")
    back = time.time() - restarted
    app.text_in("#syncbar [data-sync=pending]", "0 edits waiting", timeout=20)
    print(f"sync bar online {back:.2f} s after central restarted (its start included)")
    assert back < 3
    assert w1.sync_status()["pending"] == 0


def test_conflict_reapplied_from_conflicts_screen(app, cluster, w1, w2):
    number = create(w1)["order_number"]
    wait_until("W2 to receive the order", lambda: w2.api("GET", "/orders/" + number))
    cluster.stop_central()
    try:
        wait_until("both to see central gone",
                   lambda: not w1.sync_status()["stream_open"] and not w2.sync_status()["stream_open"])
        # The same field on both while apart: W2's later edit wins, W1's loses.
        w1.api("PATCH", "/orders/" + number, {"customer_phone": "+1 555 111 1111"}, as_user=PROCESSOR)
        time.sleep(0.05)
        w2.api("PATCH", "/orders/" + number, {"customer_phone": "+1 555 222 2222"}, as_user=PROCESSOR)
    finally:
        cluster.start_central()
    wait_until("W1's conflict", lambda: w1.api("GET", "/conflicts"), timeout=30)
    app.sign_in(PROCESSOR)
    app.go("#/conflicts", "conflicts")
    item = app.find(".conflicts li.conflict")
    assert "+1 555 111 1111" in item.text and "+1 555 222 2222" in item.text
    app.full_screenshot("10-conflicts")
    assert app.find("#syncbar [data-sync=conflicts]")
    item.find_element(By.CSS_SELECTOR, "button[data-action=reapply]").click()
    app.text_in("[data-view=conflicts]", "No open conflicts")
    wait_until("the re-applied value everywhere", lambda: all(
        node.api("GET", "/orders/" + number)["customer_phone"] == "+1 555 111 1111" for node in (w1, w2)),
        timeout=30)


def test_viewer_sees_no_edit_controls_and_is_refused(w1):
    number = create(w1)["order_number"]
    driver = make_driver()
    try:
        app = App(driver, w1)
        app.sign_in(VIEWER)
        nav = app.find("#nav").text
        assert "New order" not in nav
        open_order(app, number)
        app.find(".timeline li")
        assert app.all("[data-edit]") == []
        assert app.all("button[data-move]") == []
        assert app.all("form") == []
        app.screenshot("11-viewer-order")
        app.go("#/queue", "queue")
        assert app.all("button[data-action=claim]") == []
        # A crafted request from the viewer's own session (cookie and CSRF token) is refused.
        result = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            window.kct.api('POST', '/orders/' + arguments[0] + '/status', {status: 'cancelled'})
              .then(() => done({status: 200}), (error) => done({status: error.status, code: error.code}));""", number)
        assert result == {"status": 403, "code": "forbidden"}
        assert w1.api("GET", "/orders/" + number)["status"] == "pending_payment"
    finally:
        driver.quit()


class CrossSitePage(http.server.BaseHTTPRequestHandler):
    """Another origin on 127.0.0.1 (another port is the same site, so SameSite=Strict still sends
    the cookie): a page whose form posts an order to the node."""

    target = ""

    def do_GET(self):
        body = f"""<!doctype html><form id="f" method="POST" action="{self.target}/api/orders"
            enctype="text/plain"><input name='{{"customer_name":"Mallory","x":"' value='"}}'></form>
            <script>document.getElementById('f').submit()</script>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_cross_site_post_without_csrf_token_is_refused(app, w1):
    app.sign_in(MANAGER)
    before = len(w1.api("GET", "/orders?search=Mallory"))
    # From the app's own origin, a change without X-CSRF-Token: 403.
    result = app.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/orders', {method: 'POST', body: '{}', headers: {'Content-Type': 'application/json'}})
          .then(async (response) => done({status: response.status, body: await response.json()}));""")
    assert result["status"] == 403 and result["body"]["error"]["code"] == "csrf_failed"
    # From another origin: a real cross-site form POST with the cookie attached.
    CrossSitePage.target = w1.url
    server = http.server.HTTPServer(("127.0.0.1", 0), CrossSitePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app.driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
        app.wait().until(lambda driver: "csrf_failed" in driver.page_source or "unauthorized" in driver.page_source)
        assert "csrf_failed" in app.driver.page_source
    finally:
        server.shutdown()
    assert len(w1.api("GET", "/orders?search=Mallory")) == before
    # Scripts with a bearer token need no CSRF token.
    status, _, _ = request(w1.url + "/api/orders", "POST", sample_order(customer="Script Order"),
                           {"Authorization": "Bearer " + w1.token(MANAGER)})
    assert status == 201


def test_staff_screen_and_sign_out(app):
    app.sign_in("admin@kct.example")
    app.go("#/staff", "staff")
    rows = app.all("[data-view=staff] tbody tr")
    assert len(rows) == 4
    app.screenshot("12-staff")
    app.find("#who button[data-action=signout]").click()
    app.visible("#signin-email")
    app.driver.refresh()
    app.visible("#signin-email")


def test_assets_cached_gzipped_and_in_the_binary(w1):
    status, _, headers = request(w1.url + "/", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    etag = headers["ETag"]
    assert headers["Content-Encoding"] == "gzip" and headers["Cache-Control"] == "no-cache"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    status, _, _ = request(w1.url + "/", headers={"If-None-Match": etag})
    assert status == 304
    page = os.popen(f"curl -s {w1.url}/").read()
    script = page.split('src="')[1].split('"')[0]
    status, _, headers = request(f"{w1.url}/{script}", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and "immutable" in headers["Cache-Control"]
    assert headers["Content-Type"].startswith("text/javascript")
    status, _, _ = request(w1.url + "/app/x/js/nope.js")
    assert status == 404


def test_installed_binary_copied_elsewhere_serves_the_app(cluster, tmp_path):
    """The README's systemd install copies only the binary: the app must come with it."""
    import shutil
    import subprocess

    from cluster import KCT, Server

    binary = tmp_path / "bin" / "kct"
    binary.parent.mkdir()
    shutil.copy2(KCT, binary)
    data = tmp_path / "data"
    env = {"KCT_DATA_DIR": str(data), "HOME": str(tmp_path)}
    subprocess.run([str(binary), "init", "--name", "FR1", "--shop", "S01"], env={**os.environ, **env},
                   check=True, capture_output=True, cwd=tmp_path)
    import cluster as cluster_module
    saved = cluster_module.KCT
    cluster_module.KCT = str(binary)
    try:
        server = Server("installed", ["node", "run", "--listen", "127.0.0.1:0"], env, str(tmp_path),
                        "node listening on")
    finally:
        cluster_module.KCT = saved
    try:
        status, _, headers = request(server.url + "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        page = os.popen(f"curl -s {server.url}/").read()
        assert "app/" in page and "js/main.js" in page
        script = page.split('src="')[1].split('"')[0]
        assert request(f"{server.url}/{script}")[0] == 200
    finally:
        server.stop()
