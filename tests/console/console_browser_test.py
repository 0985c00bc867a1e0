#!/usr/bin/env python3
"""The web console's sign-in, Connectors screen and partner isolation in real headless Chromium
(docs/console.md, "Browser tests").

Starts two platform simulators (Autotask, ConnectWise) and `meterbridge serve` on loopback ports
chosen at run time, with two connectors of two partners declared in the config file and two
console users, then drives Debian's Chromium through Selenium and chromium-driver: sign in (a
wrong password first), see the connector cards, sync by keyboard, test, the phone-width layout,
sign out; the Alerts screen (an alerts run, the alerts with their tickets, Check permissions); and a
partner admin who sees neither the other partner's card nor its data or alerts through the API. Screenshots of each screen go to <build>/tests/console-screenshots/ (artifacts, not
committed). The onboarding flow (add a connector, mapping, review, runs, drift, disconnect) is
onboarding_browser_test.py's, which imports the helpers here.

    console_browser_test.py BUILD_DIR SOURCE_DIR
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery"
WAIT_S = 20


class Fixture:
    """Processes and files of one run; everything started is stopped by close()."""

    def __init__(self, build, source, name="console"):
        self.build = build
        self.source = source
        self.work = tempfile.mkdtemp(prefix=f"mb-{name}-")
        self.shots = os.path.join(build, "tests", f"{name}-screenshots")
        shutil.rmtree(self.shots, ignore_errors=True)
        os.makedirs(self.shots)
        self.processes = []
        self.by_name = {}
        self.env = dict(os.environ, MB_SECRET_KEY="ab" * 32, MB_TEST_AT_SECRET="demo-autotask-secret",
                        MB_TEST_CW_KEY="demo-cw-private-key")
        self.driver = None

    def start(self, args, name):
        """Starts a process whose first stdout line names its address; returns that line."""
        log = open(os.path.join(self.work, name + ".log"), "w")
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, env=self.env, text=True)
        self.processes.append(proc)
        self.by_name[name] = proc
        line = proc.stdout.readline().strip()
        if not line:
            raise RuntimeError(f"{name} did not start; see {log.name}")
        # Whatever it prints later is read and dropped, so a full pipe never blocks it.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        return line

    def restart_serve(self):
        """Stops serve (SIGTERM, as a service manager would) and starts it again on a new port."""
        proc = self.by_name["serve"]
        proc.terminate()
        proc.wait(timeout=20)
        self.processes.remove(proc)
        line = self.start(self.serve_args, "serve")
        self.url = line[line.index("http://"):]

    def meterbridge(self, *args, stdin=""):
        run = subprocess.run([os.path.join(self.build, "bin", "meterbridge"), "--config", self.config, *args],
                             input=stdin, capture_output=True, text=True, env=self.env, timeout=60)
        if run.returncode != 0:
            raise RuntimeError(f"meterbridge {' '.join(args)}: exit {run.returncode}: {run.stderr}")
        return run.stdout

    def close(self):
        if self.driver is not None:
            self.driver.quit()
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.work, ignore_errors=True)


def set_up(f):
    sim = os.path.join(f.build, "bin", "meterbridge-sim")
    seeds = os.path.join(f.source, "examples", "demo")
    autotask = f.start([sim, "autotask", "--seed", os.path.join(seeds, "autotask.seed.json")], "autotask-sim")
    connectwise = f.start([sim, "connectwise", "--seed", os.path.join(seeds, "connectwise.seed.json")],
                          "connectwise-sim")
    config = {
        "state": {"path": os.path.join(f.work, "state", "mb.db")},
        "plugins": {"dir": os.path.join(f.build, "plugins")},
        "api": {"token": "vendor-token-for-browser-tests"},
        "connectors": [
            {"id": "northwind-autotask", "plugin": "autotask", "partner": "Northwind IT Services",
             "partner_id": "northwind",
             "config": {"username": "meterbridge@northwind-it.example", "secret": "${env:MB_TEST_AT_SECRET}",
                        "integration_code": "DEMOVENDORCODE", "discovery_url": autotask + "/atservicesrest/"}},
            {"id": "contoso-connectwise", "plugin": "connectwise", "partner": "Contoso Managed Services",
             "partner_id": "contoso",
             "config": {"company_id": "contoso", "site": "api-na.myconnectwise.net",
                        "public_key": "DemoPublicKey01", "private_key": "${env:MB_TEST_CW_KEY}",
                        "client_id": "5a1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "base_url": connectwise},
             "alerts": {"board": "Security Alerts", "status_closed": ">Closed",
                        "priorities": {"critical": "Priority 1 - Emergency Response"}}},
        ],
    }
    f.config = os.path.join(f.work, "mb.json")
    with open(f.config, "w") as out:
        json.dump(config, out)
    f.meterbridge("users", "add", "vera", "--role", "vendor_admin", stdin=PASSWORD + "\n")
    f.meterbridge("users", "add", "ana", "--role", "partner_admin", "--partner-id", "northwind",
                  stdin=PASSWORD + "\n")
    f.meterbridge("usage", "import", os.path.join(seeds, "usage.json"))
    for connector in ("northwind-autotask", "contoso-connectwise"):
        f.meterbridge("connectors", "test", connector)
    f.meterbridge("map", "auto", "northwind-autotask")
    f.meterbridge("map", "service", "northwind-autotask", "endpoint", "31", "--metric", "devices")
    f.serve_args = [os.path.join(f.build, "bin", "meterbridge"), "--config", f.config, "serve",
                    "--listen", "127.0.0.1:0"]
    line = f.start(f.serve_args, "serve")
    f.url = line[line.index("http://"):]


def browser(f):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900",
                 "--user-data-dir=" + os.path.join(f.work, "chromium-profile")):
        options.add_argument(flag)
    f.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    f.driver.set_window_size(1280, 900)
    return f.driver


def wait(driver, condition):
    # A screen re-rendered while the condition looks at it is looked at again.
    return WebDriverWait(driver, WAIT_S, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def settled(d):
    """Waits until the screen is not loading (main has no aria-busy)."""
    wait(d, lambda drv: drv.find_element(By.ID, "main").get_attribute("aria-busy") is None)


def shot(f, name):
    f.driver.save_screenshot(os.path.join(f.shots, name + ".png"))


def sign_in(f, name, password=PASSWORD):
    d = f.driver
    field = wait(d, ec.visibility_of_element_located((By.ID, "signin-name")))
    field.clear()
    field.send_keys(name)
    secret = d.find_element(By.ID, "signin-password")
    secret.clear()
    # Keyboard only: type, then Enter submits the form.
    secret.send_keys(password, Keys.ENTER)


def cards(d):
    settled(d)
    return wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#connector-cards .card"))


def card(d, connector):
    settled(d)
    return wait(d, ec.visibility_of_element_located((By.CSS_SELECTOR, f'.card[data-connector="{connector}"]')))


def card_field(d, connector, field):
    return card(d, connector).find_element(By.CSS_SELECTOR, f'[data-field="{field}"]').text


def fetch_status(d, path):
    """The HTTP status of a same-origin GET made by the page itself (its session cookie)."""
    return d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status), e => done(String(e)));", path)


STARTED = time.monotonic()


def mark(label):
    print(f"  {label}: {time.monotonic() - STARTED:.1f} s", flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def vendor_admin_uses_the_connectors_screen(f):
    d = f.driver
    d.get(f.url + "/")
    wait(d, ec.visibility_of_element_located((By.ID, "signin-name")))
    shot(f, "01-sign-in")
    sign_in(f, "vera", "not the password")
    error = wait(d, ec.visibility_of_element_located((By.ID, "signin-error")))
    wait(d, lambda drv: error.text != "")
    check("wrong" in error.text, f"a wrong password says so: {error.text!r}")

    sign_in(f, "vera")
    mark('sign_in(f, "vera")')
    ids = sorted(c.get_attribute("data-connector") for c in cards(d))
    check(ids == ["contoso-connectwise", "northwind-autotask"], f"the vendor admin sees both: {ids}")
    status = card(d, "northwind-autotask").find_element(By.CSS_SELECTOR, ".status").text
    check(status == "Connected", f"northwind is connected and mapped: {status!r}")
    status = card(d, "contoso-connectwise").find_element(By.CSS_SELECTOR, ".status").text
    check(status == "Setup required", f"contoso has nothing mapped yet: {status!r}")
    workspaces = card_field(d, "northwind-autotask", "workspaces")
    check(workspaces.endswith("workspaces mapped") and not workspaces.startswith("0 of"),
          f"northwind's workspace counter: {workspaces!r}")
    check(card_field(d, "northwind-autotask", "services").startswith("1 of"),
          card_field(d, "northwind-autotask", "services"))
    check(card_field(d, "northwind-autotask", "last-run") == "Never run", "no run yet")
    check(card_field(d, "northwind-autotask", "next-run") != "Not scheduled", "the scheduler is on")
    shot(f, "02-connectors-1280")
    mark('shot(f, "02-connectors-1280")')

    # Keyboard: focus Sync now and press Enter; the card then shows the run.
    sync = card(d, "northwind-autotask").find_element(By.CSS_SELECTOR, '[data-action="sync"]')
    d.execute_script("arguments[0].focus()", sync)
    check(d.switch_to.active_element == sync, "the Sync now button takes the focus")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    wait(d, lambda drv: "run #" in drv.find_element(By.ID, "notice").text)
    wait(d, lambda drv: card_field(drv, "northwind-autotask", "last-run") != "Never run")
    notice = d.find_element(By.ID, "notice").text
    check("failed" not in notice, f"the sync ran: {notice!r}")

    test = card(d, "contoso-connectwise").find_element(By.CSS_SELECTOR, '[data-action="test"]')
    test.click()
    wait(d, lambda drv: "contoso-connectwise: ok" in drv.find_element(By.ID, "notice").text)
    shot(f, "03-after-sync-and-test")
    mark('shot(f, "03-after-sync-and-test")')

    # A connector of the config file is changed there, never in the console.
    configured = card(d, "northwind-autotask")
    check("from configuration" in configured.text, "a configured connector says so")
    check(not configured.find_elements(By.CSS_SELECTOR, '[data-action="remove"]'), "and cannot be removed")

    # Phone width: one column, nothing wider than the window.
    d.set_window_size(390, 844)
    cards(d)
    overflow = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 0, f"no horizontal scrolling at phone width ({overflow} px too wide)")
    shot(f, "05-connectors-phone")
    mark('shot(f, "05-connectors-phone")')
    d.set_window_size(1280, 900)

    d.find_element(By.ID, "sign-out").click()
    wait(d, ec.visibility_of_element_located((By.ID, "signin-name")))
    check(fetch_status(d, "/v1/session") == 401, "signed out: the session is gone")


def vendor_admin_uses_the_alerts_screen(f):
    """Contoso's alerts: two of its workspaces mapped, three alerts pushed; the Alerts screen runs
    them (two tickets, one alert not routed with its reason) and checks permissions."""
    d = f.driver
    f.meterbridge("map", "account", "contoso-connectwise", "ws-cs-01", "251")
    f.meterbridge("map", "account", "contoso-connectwise", "ws-cs-02", "252")
    f.meterbridge("alerts", "push", os.path.join(f.source, "examples", "demo", "connectwise-alerts.json"))
    sign_in(f, "vera")
    cards(d)
    d.find_element(By.CSS_SELECTOR, '#nav a[href="#/alerts"]').click()
    picker = Select(wait(d, ec.visibility_of_element_located((By.ID, "alerts-connector"))))
    if picker.first_selected_option.get_attribute("value") != "contoso-connectwise":
        picker.select_by_value("contoso-connectwise")
    wait(d, lambda drv: drv.current_url.endswith("#/alerts/contoso-connectwise"))
    settled(d)
    wait(d, ec.element_to_be_clickable((By.ID, "alerts-sync"))).click()
    wait(d, lambda drv: "alerts run #" in drv.find_element(By.ID, "notice").text)
    settled(d)
    run = wait(d, ec.presence_of_element_located((By.CSS_SELECTOR, "#alert-runs-table tr[data-alert-run]")))
    counts = run.find_element(By.CSS_SELECTOR, '[data-field="counts"]').text
    check("2 opened" in counts and "1 not routed" in counts, f"the run's counts: {counts!r}")
    rows = {r.get_attribute("data-alert"): r for r in d.find_elements(By.CSS_SELECTOR, "#alerts-table tr[data-alert]")}
    check(sorted(rows) == ["demo-cw-al-1", "demo-cw-al-2", "demo-cw-al-3"], f"the alerts listed: {sorted(rows)}")
    check(rows["demo-cw-al-1"].get_attribute("data-state") == "open", "al-1 has an open ticket")
    check("#" in rows["demo-cw-al-1"].find_element(By.CSS_SELECTOR, '[data-field="ticket"]').text,
          "its ticket number shows")
    check(rows["demo-cw-al-3"].get_attribute("data-state") == "not_routed", "al-3's workspace is not mapped")
    check("not mapped" in rows["demo-cw-al-3"].find_element(By.CSS_SELECTOR, '[data-field="reason"]').text,
          "and the screen says why")

    d.find_element(By.ID, "alerts-check-button").click()
    panel = wait(d, ec.visibility_of_element_located((By.ID, "alerts-check")))
    check(panel.get_attribute("data-ready") == "true", f"the demo member may open tickets: {panel.text!r}")
    boards = [b.get_attribute("data-board") for b in d.find_elements(By.CSS_SELECTOR, "#alerts-boards tr[data-board]")]
    check("12" in boards, f"the boards to choose from: {boards}")
    check("create yes" in d.find_element(By.ID, "alerts-permissions").text, "the permissions are listed")
    d.set_window_size(1280, 1400)  # the whole screen: check, runs and alerts
    shot(f, "07-alerts")
    d.set_window_size(1280, 900)
    mark('shot(f, "07-alerts")')
    d.get(f.url + "/#/connectors")  # the next user starts on the Connectors screen
    cards(d)
    d.find_element(By.ID, "sign-out").click()
    wait(d, ec.visibility_of_element_located((By.ID, "signin-name")))


def clear(field):
    """Empties a field as typing would, so its input event fires."""
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)


def workspace_row(d, workspace):
    settled(d)
    return wait(d, ec.presence_of_element_located((By.CSS_SELECTOR, f'tr[data-workspace="{workspace}"]')))


DRAG_AND_DROP = """
const [source, target] = arguments;
const data = new DataTransfer();
const fire = (node, type) => node.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: data}));
fire(source, "dragstart");
fire(target, "dragenter");
fire(target, "dragover");
fire(target, "drop");
fire(source, "dragend");
"""


def fill_add_form(d, fields):
    for field_id, value in fields.items():
        field = d.find_element(By.ID, field_id)
        field.clear()
        field.send_keys(value)


def partner_admin_sees_only_their_partner(f):
    d = f.driver
    sign_in(f, "ana")
    wait(d, ec.text_to_be_present_in_element((By.ID, "who-name"), "partner admin"))
    ids = [c.get_attribute("data-connector") for c in cards(d)]
    check(ids == ["northwind-autotask"], f"ana sees only northwind: {ids}")
    check("Contoso" not in d.find_element(By.TAG_NAME, "main").text, "no trace of contoso on the page")
    shot(f, "06-partner-admin")
    check(fetch_status(d, "/v1/connectors/contoso-connectwise/mappings") == 404,
          "the API hides contoso from ana")
    check(fetch_status(d, "/v1/connectors/northwind-autotask/mappings") == 200, "northwind is ana's")
    for route in ("alerts", "alerts/runs", "alerts/check"):
        check(fetch_status(d, f"/v1/connectors/contoso-connectwise/{route}") == 404,
              f"contoso's {route} are hidden from ana")
    d.get(f.url + "/#/alerts")
    picker = Select(wait(d, ec.visibility_of_element_located((By.ID, "alerts-connector"))))
    offered = [o.get_attribute("value") for o in picker.options]
    check(offered == ["northwind-autotask"], f"ana's Alerts screen offers only northwind: {offered}")
    check("demo-cw-al" not in d.find_element(By.TAG_NAME, "main").text, "no trace of contoso's alerts")
    listed = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/v1/connectors').then(r => r.json()).then(j => done(j.connectors.map(c => c.id)));")
    check(listed == ["northwind-autotask"], f"GET /v1/connectors for ana: {listed}")


def run_steps(title, f, set_up, steps, logs):
    """Sets the world up while Chromium starts, runs each step in order printing its time, and on
    a failure saves a screenshot and the last lines of each named log before raising again."""
    started = time.monotonic()
    # Chromium starts while the simulators, serve and the CLI set the world up.
    starting = concurrent.futures.ThreadPoolExecutor(max_workers=1).submit(browser, f)
    try:
        set_up(f)
        starting.result()
        print(f"set up and browser started: {time.monotonic() - started:.1f} s", flush=True)
        for step in steps:
            step(f)
            print(f"{step.__name__}: done at {time.monotonic() - started:.1f} s", flush=True)
    except Exception:
        if f.driver is not None:
            try:
                shot(f, "failure")
            except Exception:
                pass
        for name in logs:
            path = os.path.join(f.work, name + ".log")
            if os.path.exists(path):
                sys.stderr.write(f"---- {name} log (last lines)\n")
                sys.stderr.writelines(open(path).readlines()[-20:])
        raise
    finally:
        concurrent.futures.wait([starting])  # so a browser still starting is quit too
        f.close()
    print(f"{title} passed in {time.monotonic() - started:.1f} s; screenshots in {f.shots}")


def main():
    build, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    run_steps("console browser test", Fixture(build, source), set_up,
              (vendor_admin_uses_the_connectors_screen, vendor_admin_uses_the_alerts_screen,
               partner_admin_sees_only_their_partner),
              ("serve", "autotask-sim", "connectwise-sim"))


if __name__ == "__main__":
    main()
