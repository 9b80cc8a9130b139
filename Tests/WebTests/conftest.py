"""Fixtures of the browser tests: one cluster (central, workstations W1 and W2, each node's daemon
running) and one headless Chromium driven through chromedriver, both for the whole session.
Screenshots go to .build/web-screenshots/ (WEB_SCREENSHOTS overrides), as test artifacts."""

import os

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from cluster import ROOT, Cluster, PASSWORD

SCREENSHOTS = os.environ.get("WEB_SCREENSHOTS", os.path.join(ROOT, ".build", "web-screenshots"))


@pytest.fixture(scope="session")
def cluster():
    cluster = Cluster()
    try:
        cluster.start_central()
        w1 = cluster.add_node("W1")
        w2 = cluster.add_node("W2")
        w1.start()
        w2.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def w1(cluster):
    return cluster.nodes[0]


@pytest.fixture(scope="session")
def w2(cluster):
    return cluster.nodes[1]


def make_driver(width=1280, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--disable-extensions", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--lang=en-GB"]:
        options.add_argument(argument)
    # A local chromedriver: Selenium Manager would otherwise try to download one.
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def browser():
    driver = make_driver()
    try:
        yield driver
    finally:
        driver.quit()


class App:
    """The web app in the browser, for one node."""

    def __init__(self, driver, node):
        self.driver = driver
        self.node = node

    def open(self, hash_route=""):
        self.driver.get(self.node.url + "/" + hash_route)
        return self

    def wait(self, timeout=10):
        # Live updates patch the page, so an element found a moment ago may have been replaced.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=[StaleElementReferenceException])

    def find(self, css, timeout=10):
        return self.wait(timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def visible(self, css, timeout=10):
        return self.wait(timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text_in(self, css, text, timeout=10):
        return self.wait(timeout).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def sign_in(self, email, password=PASSWORD):
        self.driver.delete_all_cookies()
        self.open("#/dashboard")
        self.visible("#signin-email").send_keys(email)
        self.driver.find_element(By.ID, "signin-password").send_keys(password + "\n")
        self.find("[data-view=dashboard] .card")
        return self

    def go(self, hash_route, view):
        self.driver.execute_script("location.hash = arguments[0]", hash_route)
        return self.find(f"[data-view={view}]")

    def screenshot(self, name, width=None, height=None):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        size = self.driver.get_window_size()
        if width:
            self.driver.set_window_size(width, height or size["height"])
        self.driver.execute_script("document.activeElement && document.activeElement.blur && "
                                   "document.activeElement.tagName === 'BUTTON' && document.activeElement.blur()")
        path = os.path.join(SCREENSHOTS, name + ".png")
        self.driver.save_screenshot(path)
        if width:
            self.driver.set_window_size(size["width"], size["height"])
        return path

    def full_screenshot(self, name, width=1280):
        """The whole page, not just the window (resizes the window to the page's height)."""
        size = self.driver.get_window_size()
        self.driver.execute_script("window.scrollTo(0, 0)")
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, min(max(height + 120, 600), 4000))
        path = self.screenshot(name)
        self.driver.set_window_size(size["width"], size["height"])
        return path


@pytest.fixture
def app(browser, w1):
    return App(browser, w1)
