#!/usr/bin/env python3
"""The console's Service mapping, Review and Runs screens in real headless Chromium
(docs/console.md, "Browser tests").

Starts the Autotask simulator and `meterbridge serve` on loopback ports chosen at run time, with
one connector whose decreases wait for approval and whose workspaces are mapped, then drives
Debian's Chromium: map services (the metric chosen explicitly, a PSA service found by its id),
preview a dry run line by line, sync, approve some held lines and dismiss another, sync again with
the simulator slowed down while the live progress shows, see the run, retry its failed line, and
reconcile. Keyboard use and the phone width are checked on each screen. Screenshots go to
<build>/tests/review-screenshots/ (artifacts, not committed).

Shares its helpers (processes, browser, waits) with console_browser_test.py.

    review_browser_test.py BUILD_DIR SOURCE_DIR
"""
import concurrent.futures
import datetime
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console_browser_test as common  # noqa: E402
from console_browser_test import By, Keys, card, cards, check, ec, settled, sign_in, wait  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CONNECTOR = "northwind-autotask"


class Fixture(common.Fixture):
    """The shared fixture, with its own screenshot folder (the other browser test keeps its own)."""

    def __init__(self, build, source):
        super().__init__(build, source, "review")


def sim_control(f, path, body):
    """POSTs a JSON body to one of the simulator's /_sim/ control endpoints."""
    request = urllib.request.Request(f.sim + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def set_up(f):
    sim = os.path.join(f.build, "bin", "meterbridge-sim")
    seeds = os.path.join(f.source, "examples", "demo")
    f.sim = f.start([sim, "autotask", "--seed", os.path.join(seeds, "autotask.seed.json")], "autotask-sim")
    config = {
        "state": {"path": os.path.join(f.work, "state", "mb.db")},
        "plugins": {"dir": os.path.join(f.build, "plugins")},
        "api": {"token": "vendor-token-for-review-tests"},
        "connectors": [
            {"id": CONNECTOR, "plugin": "autotask", "partner": "Northwind IT Services", "partner_id": "northwind",
             "policies": {"decreases": "require_approval"},
             "config": {"username": "meterbridge@northwind-it.example", "secret": "${env:MB_TEST_AT_SECRET}",
                        "integration_code": "DEMOVENDORCODE", "discovery_url": f.sim + "/atservicesrest/"}},
        ],
    }
    f.config = os.path.join(f.work, "mb.json")
    with open(f.config, "w") as out:
        json.dump(config, out)
    f.meterbridge("users", "add", "vera", "--role", "vendor_admin", stdin=common.PASSWORD + "\n")
    f.meterbridge("usage", "import", os.path.join(seeds, "usage.json"))
    f.meterbridge("connectors", "test", CONNECTOR)
    f.meterbridge("map", "auto", CONNECTOR)
    line = f.start([os.path.join(f.build, "bin", "meterbridge"), "--config", f.config, "serve",
                    "--listen", "127.0.0.1:0", "--no-schedule"], "serve")
    f.url = line[line.index("http://"):]


def shot(f, name):
    common.shot(f, name)


def notice(d):
    return d.find_element(By.ID, "notice").text


def fits_phone_width(f, name):
    """At phone width nothing is wider than the window; a screenshot, then back to 1280 px."""
    d = f.driver
    d.set_window_size(390, 844)
    settled(d)
    overflow = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 0, f"{name}: no horizontal scrolling at phone width ({overflow} px too wide)")
    shot(f, name + "-phone")
    d.set_window_size(1280, 900)


def service_row(d, service):
    settled(d)
    return wait(d, ec.presence_of_element_located((By.CSS_SELECTOR, f'#service-table tr[data-service="{service}"]')))


def map_service(d, service, search, psa_service, metric):
    """Maps by keyboard: the picker's search, Enter on the first match, the metric, then Map."""
    service_row(d, service).find_element(By.CSS_SELECTOR, '[data-action="pick"]').click()
    field = wait(d, ec.visibility_of_element_located((By.ID, "service-picker-search")))
    check(d.switch_to.active_element == field, "the picker's search has the focus")
    field.send_keys(search)
    found = [b.get_attribute("data-psa-service") for b in d.find_elements(By.CSS_SELECTOR, "#service-picker-list button")]
    check(found == [psa_service], f"searching {search!r} finds PSA service {psa_service}: {found}")
    field.send_keys(Keys.ENTER)
    ok = d.find_element(By.ID, "service-picker-ok")
    check(not ok.is_enabled(), "Map waits for a metric: there is no default")
    check(not d.find_elements(By.CSS_SELECTOR, "#service-picker input[type=radio]:checked"), "no metric is preselected")
    radio = d.find_element(By.CSS_SELECTOR, f'#service-picker input[data-metric="{metric}"]')
    d.execute_script("arguments[0].focus()", radio)
    d.switch_to.active_element.send_keys(Keys.SPACE)
    wait(d, lambda drv: drv.find_element(By.ID, "service-picker-ok").is_enabled())
    d.find_element(By.ID, "service-picker-ok").send_keys(Keys.ENTER)
    wait(d, lambda drv: service_row(drv, service).get_attribute("data-state") == "mapped")


def maps_services(f):
    d = f.driver
    d.get(f.url + "/")
    sign_in(f, "vera")
    cards(d)
    card(d, CONNECTOR).find_element(By.CSS_SELECTOR, '[data-action="map-services"]').click()
    wait(d, ec.visibility_of_element_located((By.ID, "service-table")))
    check(service_row(d, "endpoint").get_attribute("data-state") == "unmapped", "nothing is mapped yet")
    # By product id, as Gradient searches ConnectWise's; then by name.
    map_service(d, "endpoint", "31", "31", "devices")
    check(service_row(d, "endpoint").find_element(By.CSS_SELECTOR, '[data-field="metric"]').text == "per device",
          "the metric chosen is shown")
    map_service(d, "email", "Email", "32", "users")
    map_service(d, "cloud", "Cloud", "33", "users")
    service_row(d, "cloud").find_element(By.CSS_SELECTOR, '[data-action="unmap"]').click()
    wait(d, lambda drv: service_row(drv, "cloud").get_attribute("data-state") == "unmapped")
    counters = d.find_element(By.ID, "service-counters").text
    check(counters.startswith("2 of 5 modules mapped"), f"the counters: {counters!r}")
    shot(f, "services")
    fits_phone_width(f, "services")


def approval_rows(d):
    settled(d)
    return d.find_elements(By.CSS_SELECTOR, "#approval-lines tbody tr")


def reviews_and_approves(f):
    d = f.driver
    d.find_element(By.LINK_TEXT, "Review").click()
    wait(d, ec.visibility_of_element_located((By.ID, "dry-run")))
    settled(d)
    check(not approval_rows(d), "nothing awaits approval before the first sync")
    d.find_element(By.ID, "dry-run").click()
    wait(d, ec.visibility_of_element_located((By.ID, "preview-lines")))
    rows = d.find_elements(By.CSS_SELECTOR, "#preview-lines tbody tr")
    outcomes = {r.get_attribute("data-outcome") for r in rows}
    check("would_update" in outcomes and "held" in outcomes, f"the dry run shows changes and holds: {outcomes}")
    held = d.find_element(By.CSS_SELECTOR, '#preview-lines tr[data-outcome="held"] [data-field="reason"]').text
    check("Approve or dismiss" in held and len(held) > 40, f"a held line's full reason and its fix: {held!r}")
    shot(f, "review-dry-run")

    d.find_element(By.ID, "sync-real").click()
    wait(d, lambda drv: "run #" in notice(drv) and len(approval_rows(drv)) > 0)
    held_count = len(approval_rows(d))
    check(held_count >= 3, f"the real sync holds the decreases: {held_count}")
    shot(f, "review")
    d.execute_script("arguments[0].scrollIntoView()", d.find_element(By.ID, "approvals"))
    shot(f, "review-approvals")
    fits_phone_width(f, "review")

    # Two lines approved in bulk (keyboard: Space ticks a box) to take effect on the first of next
    # month, one dismissed on its own. The date is set as the date picker sets it (its typed form
    # depends on the browser's locale).
    today = datetime.date.today()
    effective = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1).isoformat()
    d.execute_script("const field = arguments[0]; field.value = arguments[1];"
                     "field.dispatchEvent(new Event('change', {bubbles: true}))",
                     d.find_element(By.ID, "effective-date"), effective)
    boxes = d.find_elements(By.CSS_SELECTOR, "#approval-lines tbody input[type=checkbox]")
    for box in boxes[:2]:
        d.execute_script("arguments[0].focus()", box)
        d.switch_to.active_element.send_keys(Keys.SPACE)
    d.find_element(By.ID, "approve-selected").click()
    wait(d, lambda drv: "approved as run #" in notice(drv))
    check(f"effective {effective}" in notice(d), f"the approval takes effect on {effective}: {notice(d)!r}")
    wait(d, lambda drv: len(approval_rows(drv)) == held_count - 2)
    approval_rows(d)[0].find_element(By.CSS_SELECTOR, '[data-action="dismiss"]').click()
    wait(d, lambda drv: "dismissed 1 line" in notice(drv))
    wait(d, lambda drv: len(approval_rows(drv)) == held_count - 3)


def watches_a_run_and_retries(f):
    d = f.driver
    # A third service brings new lines to write; the platform is slowed so the progress shows,
    # and its first adjustment is refused so the run has a failed line to retry.
    f.meterbridge("map", "service", CONNECTOR, "edr", "34", "--metric", "devices")
    sim_control(f, "/_sim/latency", {"latency_ms": 300})
    sim_control(f, "/_sim/faults", {"rules": [{"kind": 400, "method": "POST", "path": "/atservicesrest/v1.0/ContractServiceAdjustments", "count": 1}]})
    d.find_element(By.LINK_TEXT, "Runs").click()
    wait(d, ec.visibility_of_element_located((By.ID, "runs-table")))
    settled(d)
    common.Select(d.find_element(By.ID, "runs-connector")).select_by_value(CONNECTOR)
    wait(d, lambda drv: drv.find_element(By.ID, "runs-sync").is_enabled())
    newest_before = int(d.find_element(By.CSS_SELECTOR, "#runs-table tbody tr").get_attribute("data-run"))
    d.find_element(By.ID, "runs-sync").click()
    running = '#live-progress .progress-run[data-trigger="sync"][data-running="true"]'
    phases = []

    def watch(drv):
        """Notes each phase the running sync shows, until the history lists the new run."""
        for run in drv.find_elements(By.CSS_SELECTOR, running):
            phase = run.get_attribute("data-phase")
            if phase not in phases:
                phases.append(phase)
                if phase in ("reading", "writing"):
                    shot(f, "runs-progress")
        rows = drv.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr")
        return rows and int(rows[0].get_attribute("data-run")) > newest_before and rows[0]
    newest = WebDriverWait(d, common.WAIT_S, poll_frequency=0.05,
                           ignored_exceptions=(common.StaleElementReferenceException,)).until(watch)
    # The poll (0.7 s) may miss a short phase; any phase of a running sync shown proves the path.
    check(phases and set(phases) <= {"planning", "recording", "reading", "deciding", "writing"},
          f"the live progress showed the running sync's phases: {phases}")
    sim_control(f, "/_sim/latency", {"latency_ms": 0})
    check(newest.get_attribute("data-state") == "partial", f"one line failed: {newest.get_attribute('data-state')}")
    shot(f, "runs")
    fits_phone_width(f, "runs")

    newest.find_element(By.CSS_SELECTOR, "a").click()
    wait(d, ec.visibility_of_element_located((By.ID, "run-lines")))
    failed = d.find_element(By.CSS_SELECTOR, '#run-lines tr[data-outcome="failed"] [data-field="reason"]').text
    check("retry" in failed.lower() and len(failed) > 30, f"the failed line's full reason: {failed!r}")
    shot(f, "run-lines")
    retry = d.find_element(By.ID, "retry-run")
    d.execute_script("arguments[0].focus()", retry)
    d.switch_to.active_element.send_keys(Keys.ENTER)
    wait(d, lambda drv: "retry of run #" in notice(drv))
    wait(d, lambda drv: drv.find_element(By.CSS_SELECTOR, '#run-facts [data-field="state"]').text == "ok")

    d.find_element(By.LINK_TEXT, "← Runs").click()
    wait(d, lambda drv: drv.find_element(By.ID, "runs-reconcile").is_enabled())
    d.find_element(By.ID, "runs-reconcile").click()
    reconcile = wait(d, ec.visibility_of_element_located((By.ID, "reconcile")))
    check("differ from the platform" in reconcile.text, f"the reconcile result: {reconcile.text!r}")
    shot(f, "runs-reconcile")


def main():
    build, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    f = Fixture(build, source)
    started = time.monotonic()
    starting = concurrent.futures.ThreadPoolExecutor(max_workers=1).submit(common.browser, f)
    try:
        set_up(f)
        starting.result()
        print(f"set up and browser started: {time.monotonic() - started:.1f} s", flush=True)
        for step in (maps_services, reviews_and_approves, watches_a_run_and_retries):
            step(f)
            print(f"{step.__name__}: done at {time.monotonic() - started:.1f} s", flush=True)
    except Exception:
        if f.driver is not None:
            try:
                shot(f, "failure")
            except Exception:
                pass
        for name in ("serve", "autotask-sim"):
            path = os.path.join(f.work, name + ".log")
            if os.path.exists(path):
                sys.stderr.write(f"---- {name} log (last lines)\n")
                sys.stderr.writelines(open(path).readlines()[-20:])
        raise
    finally:
        concurrent.futures.wait([starting])
        f.close()
    print(f"review browser test passed in {time.monotonic() - started:.1f} s; screenshots in {f.shots}")


if __name__ == "__main__":
    main()
