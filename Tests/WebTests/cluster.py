"""Central and workstation nodes as real `kct` processes on 127.0.0.1 (as SyncCluster.swift does
for the Swift suites), with a small JSON client for each node's local API.

Every process is started with a free port (`--listen 127.0.0.1:0`) and found by its one
"… listening on URL" line; `Cluster.close()` (also registered with atexit) stops them all and
removes the temporary directory.
"""

import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from selenium.common.exceptions import StaleElementReferenceException

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KCT = os.environ.get("KCT", os.path.join(ROOT, ".build", "debug", "kct"))
PASSWORD = "web tests password"


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @property
    def code(self):
        return ((self.body or {}).get("error") or {}).get("code")


def request(url, method="GET", body=None, headers=None, timeout=10):
    """JSON over HTTP; returns (status, parsed body, response headers). Never raises on 4xx/5xx."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if body is not None and "Content-Type" not in req.headers:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            raw = response.read()
            if "json" not in (response.headers.get("Content-Type") or ""):
                return response.status, raw, dict(response.headers)
            return response.status, (json.loads(raw) if raw else None), dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return error.code, parsed, dict(error.headers)


class Server:
    """A `kct` process that prints "PREFIX URL" once it listens."""

    def __init__(self, name, args, env, log_dir, ready_prefix):
        self.name = name
        self.out_path = os.path.join(log_dir, f"{name}.out")
        self.log_path = os.path.join(log_dir, f"{name}.log")
        with open(self.out_path, "w") as out, open(self.log_path, "a") as log:
            self.process = subprocess.Popen([KCT] + args, stdout=out, stderr=log, env={**os.environ, **env})
        deadline = time.time() + 60
        self.url = None
        while time.time() < deadline:
            with open(self.out_path) as out:
                for line in out:
                    if line.startswith(ready_prefix + " "):
                        self.url = line[len(ready_prefix) + 1:].strip()
            if self.url:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.tail()}")
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"{name} printed no '{ready_prefix}' line: {self.tail()}")

    def tail(self):
        try:
            with open(self.log_path) as log:
                return log.read()[-3000:]
        except OSError:
            return ""

    @property
    def running(self):
        return self.process.poll() is None

    def stop(self):
        """SIGTERM and wait (as systemd stops it); SIGKILL after 10 s."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self):
        if self.running:
            self.process.kill()
            self.process.wait(10)


class Node:
    """One workstation: its data directory, its daemon, its API."""

    def __init__(self, cluster, name, data_dir):
        self.cluster = cluster
        self.name = name
        self.data_dir = data_dir
        self.daemon = None
        self.tokens = {}

    def kct(self, *args, stdin=None, check=True):
        return self.cluster.run(*args, env={"KCT_DATA_DIR": self.data_dir}, stdin=stdin, check=check)

    def start(self):
        self.daemon = Server(f"node-{self.name}", ["node", "run", "--listen", "127.0.0.1:0"],
                             {"KCT_DATA_DIR": self.data_dir}, self.cluster.directory, "node listening on")
        self.tokens = {}

    @property
    def url(self):
        return self.daemon.url

    def token(self, email):
        if email not in self.tokens:
            status, body, _ = request(self.url + "/api/session", "POST", {"email": email, "password": PASSWORD})
            if status != 201:
                raise ApiError(status, body)
            self.tokens[email] = body["token"]
        return self.tokens[email]

    def api(self, method, path, body=None, as_user="admin@kct.example", expect=None):
        headers = {"Authorization": "Bearer " + self.token(as_user)}
        status, parsed, _ = request(self.url + "/api" + path, method, body, headers)
        if expect is not None and status != expect:
            raise ApiError(status, parsed)
        if expect is None and status >= 400:
            raise ApiError(status, parsed)
        return parsed

    def sync_status(self):
        return self.api("GET", "/sync")


class Cluster:
    """A central and nodes under one temporary directory. Accounts (password PASSWORD):
    admin@ (admin), maria@ (manager), ana@ (processor), vic@ (viewer) at kct.example."""

    USERS = [("admin@kct.example", "Ada Admin", "admin"), ("maria@kct.example", "Maria Manager", "manager"),
             ("ana@kct.example", "Ana Tailor", "processor"), ("vic@kct.example", "Vic Viewer", "viewer")]

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="kct-web-")
        self.db = os.path.join(self.directory, "central.sqlite")
        self.central = None
        self.central_listen = "127.0.0.1:0"
        self.nodes = []
        atexit.register(self.close)
        self.run("central", "init", "--db", self.db)
        for email, name, role in self.USERS:
            self.run("central", "add-user", "--db", self.db, "--email", email, "--name", name, "--role", role,
                     "--password-stdin", stdin=PASSWORD + "\n")

    def run(self, *args, env=None, stdin=None, check=True, timeout=120):
        result = subprocess.run([KCT] + list(args), input=stdin, capture_output=True, text=True,
                                env={**os.environ, **(env or {})}, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"kct {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    def start_central(self):
        self.central = Server("central", ["central", "serve", "--db", self.db, "--listen", self.central_listen], {},
                              self.directory, "central listening on")
        # Restarts reuse the port the nodes know.
        self.central_listen = self.central.url.replace("http://", "")

    def stop_central(self):
        self.central.stop()

    def add_node(self, name, shop="S01"):
        registered = json.loads(self.run("central", "add-node", "--db", self.db, "--name", name, "--shop", shop,
                                         "--json").stdout)
        node = Node(self, name, os.path.join(self.directory, "node-" + name))
        node.kct("init", "--name", name, "--shop", shop, "--central", self.central.url, "--token", registered["token"])
        self.nodes.append(node)
        return node

    def close(self):
        for node in self.nodes:
            if node.daemon:
                node.daemon.stop()
        if self.central:
            self.central.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def wait_until(what, condition, timeout=20, interval=0.05):
    """Polls `condition` until it returns a truthy value; returns it, or fails saying what."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = condition()
        except (ApiError, OSError, StaleElementReferenceException) as error:
            last = None
            reason = error
        else:
            reason = None
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout} s" + (f" ({reason})" if reason else ""))


def sample_order(customer="Jane Doe", items=1, **extra):
    order = {
        "customer_name": customer,
        "customer_email": customer.lower().replace(" ", ".") + "@example.com",
        "customer_phone": "+1 555 010 0100",
        "priority": "normal",
        "tax_amount": "10.00",
        "shipping_amount": "5.00",
        "items": [{"product_name": f"Suit {n + 1}", "unit_price": "500.00", "quantity": 1,
                   "custom_measurements": {"chest": 40 + n}} for n in range(items)],
    }
    order.update(extra)
    return order
