#!/usr/bin/env python3
"""An MSP onboarded end to end in the console, in real headless Chromium (docs/console.md,
"Browser tests"): the whole flow of the console's issue, in order, with no terminal.

Starts the Autotask simulator and `meterbridge serve` (scheduler and job workers on) on loopback
ports chosen at run time, with usage imported and one vendor admin, and no connector. Then drives
Debian's Chromium: sign in; add an Autotask connector through the form generated from the
plugin's schema (a wrong secret first: refused, nothing stored), found again after serve
restarts; set its decreases to be held for approval in its Policies and schedule form (a wrong
time zone first: refused beside its field); auto-match the workspaces and map the rest by search and by drag and drop; map services
(the metric chosen explicitly, a PSA service found by its id); preview a dry run line by line;
sync; approve some held lines in bulk with an effective date and dismiss another; sync from Runs
with the simulator slowed down while the live progress shows, for a run the API started and for
one the job workers ran; open the run, retry its failed line, reconcile; rename and deactivate
companies on the simulator, see the drift badges and accept the rename; disconnect (after a cancelled
confirmation) and remove the connector. Keyboard use and the phone width are checked on each
screen. Screenshots go to <build>/tests/onboarding-screenshots/ (artifacts, not committed).

Partner isolation is console_browser_test.py's; this test shares its helpers.

    onboarding_browser_test.py BUILD_DIR SOURCE_DIR
"""
import datetime
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console_browser_test as common  # noqa: E402
from console_browser_test import (By, Keys, Select, card, cards, check, clear, ec, settled,  # noqa: E402
                                  sign_in, wait, workspace_row)
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CONNECTOR = "northwind-autotask"
# The Autotask simulator's API user, from examples/demo/autotask.seed.json.
AT_USER = {"UserName": "meterbridge@northwind-it.example", "Secret": "demo-autotask-secret",
           "ApiIntegrationCode": "DEMOVENDORCODE"}


class Fixture(common.Fixture):
    """The shared fixture, with its own screenshot folder (the other browser test keeps its own)."""

    def __init__(self, build, source):
        super().__init__(build, source, "onboarding")


def sim_request(f, method, path, body, headers=None):
    request = urllib.request.Request(f.sim + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def sim_control(f, path, body):
    """POSTs a JSON body to one of the simulator's /_sim/ control endpoints."""
    return sim_request(f, "POST", path, body)


def change_company(f, fields):
    """Changes a company on the platform as its own users would (the REST API's PATCH, with the
    required fields the demo's companies lack)."""
    body = {"ownerResourceID": 29682885, "phone": "555-0100", **fields}
    sim_request(f, "PATCH", "/ATServicesRest/V1.0/Companies", body, AT_USER)


def set_up(f):
    sim = os.path.join(f.build, "bin", "meterbridge-sim")
    seeds = os.path.join(f.source, "examples", "demo")
    f.sim = f.start([sim, "autotask", "--seed", os.path.join(seeds, "autotask.seed.json")], "autotask-sim")
    f.autotask = f.sim
    config = {
        "state": {"path": os.path.join(f.work, "state", "mb.db")},
        "plugins": {"dir": os.path.join(f.build, "plugins")},
        "api": {"token": "vendor-token-for-onboarding-tests"},
        # The daily sync half a day away, so none starts beside the test's own runs.
        "schedule": {"time": (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=12)).strftime("%H:%M"),
                     "timezone": "UTC", "jitter_minutes": 0},
        "connectors": [],
    }
    f.config = os.path.join(f.work, "mb.json")
    with open(f.config, "w") as out:
        json.dump(config, out)
    f.meterbridge("users", "add", "vera", "--role", "vendor_admin", stdin=common.PASSWORD + "\n")
    # The demo's usage as it is: its few decreases are held because the test sets the connector's
    # decreases policy to require approval in the console (edits_policies).
    f.meterbridge("usage", "import", os.path.join(seeds, "usage.json"))
    # The scheduler stays on: its job workers run the queued sync whose progress is watched.
    f.serve_args = [os.path.join(f.build, "bin", "meterbridge"), "--config", f.config, "serve",
                    "--listen", "127.0.0.1:0"]
    line = f.start(f.serve_args, "serve")
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


def press(d, button):
    """Focuses a button and presses Enter: the keyboard's way, which no notice can cover."""
    d.execute_script("arguments[0].focus()", button)
    d.switch_to.active_element.send_keys(Keys.ENTER)


def to_connectors(d):
    d.find_element(By.LINK_TEXT, "← Connectors").click()
    cards(d)


# ---- Sign in, add the connector ------------------------------------------------------------

def adds_the_connector(f):
    """Adds the Autotask connector through the form generated from the plugin's schema: a wrong
    secret is refused and stores nothing; the right one is tested, stored, and still there after
    serve restarts."""
    d = f.driver
    d.get(f.url + "/")
    sign_in(f, "vera")
    add = wait(d, ec.visibility_of_element_located((By.ID, "add-connector")))
    settled(d)
    check(not d.find_elements(By.CSS_SELECTOR, "#connector-cards .card"), "no connector yet")
    add.click()
    settled(d)
    plugin = Select(wait(d, ec.visibility_of_element_located((By.ID, "add-plugin"))))
    plugin.select_by_value("autotask")
    secret = wait(d, ec.visibility_of_element_located((By.ID, "config-secret")))
    check(secret.get_attribute("type") == "password", "a secret field is a password input")
    check(d.find_element(By.ID, "config-integration_code").get_attribute("type") == "password",
          "the integration code is secret too")
    check(d.find_element(By.ID, "config-username").get_attribute("type") == "text", "the user name is not")
    common.fill_add_form(d, {"add-id": CONNECTOR, "add-partner": "Northwind IT Services",
                             "add-partner-id": "northwind",
                             "config-username": AT_USER["UserName"],
                             "config-secret": "not-the-secret", "config-integration_code": "DEMOVENDORCODE",
                             "config-discovery_url": f.sim + "/atservicesrest/"})
    # The form from its top, without the previous screen's notice.
    d.execute_script("document.getElementById('notice').textContent = ''; window.scrollTo(0, 0)")
    shot(f, "add-connector")
    d.find_element(By.ID, "add-submit").click()
    error = wait(d, ec.visibility_of_element_located((By.ID, "add-error")))
    wait(d, lambda drv: error.text != "")
    check("nothing was stored" in error.text, f"a refused test stores nothing: {error.text!r}")
    check("not-the-secret" not in d.page_source, "the secret is not shown back")
    d.execute_script("arguments[0].scrollIntoView({block: 'end'})", error)
    shot(f, "add-connector-refused")
    common.fill_add_form(d, {"config-secret": AT_USER["Secret"]})
    d.find_element(By.ID, "add-submit").click()
    added = card(d, CONNECTOR)
    check("from configuration" not in added.text, "a console connector is not from configuration")
    check(added.find_elements(By.CSS_SELECTOR, '[data-action="remove"]'), "a console connector can be removed")
    check(AT_USER["Secret"] not in d.page_source, "the secret is not shown back")
    common.mark("connector added")

    f.restart_serve()
    d.get(f.url + "/")
    if d.find_elements(By.ID, "signin-name") and d.find_element(By.ID, "signin-name").is_displayed():
        sign_in(f, "vera")
    ids = sorted(c.get_attribute("data-connector") for c in cards(d))
    check(ids == [CONNECTOR], f"the added connector survives a restart: {ids}")
    status = card(d, CONNECTOR).find_element(By.CSS_SELECTOR, ".status").text
    check(status == "Setup required", f"connected, nothing mapped yet: {status!r}")
    shot(f, "connectors-with-added")


def edits_policies(f):
    """Sets the connector's decreases to be held for approval in its Policies and schedule form,
    by keyboard: a wrong time zone first is refused beside its field and saves nothing."""
    d = f.driver
    card(d, CONNECTOR).find_element(By.CSS_SELECTOR, '[data-action="edit"]').click()
    decreases = Select(wait(d, ec.visibility_of_element_located((By.ID, "edit-policies-decreases"))))
    settled(d)
    check(d.switch_to.active_element.get_attribute("id") == "edit-policies-decreases", "the form takes the focus")
    check(decreases.first_selected_option.get_attribute("value") == "auto", "the default policy is shown")
    decreases.select_by_value("require_approval")
    timezone = d.find_element(By.ID, "edit-schedule-timezone")
    timezone.clear()
    timezone.send_keys("Mars/Olympus_Mons")
    press(d, d.find_element(By.ID, "edit-submit"))
    error = wait(d, ec.visibility_of_element_located((By.ID, "edit-schedule-timezone-error")))
    check("unknown IANA time zone" in error.text, f"the error beside its field: {error.text!r}")
    check(timezone.get_attribute("aria-invalid") == "true", "the field is marked invalid")
    check(d.switch_to.active_element.get_attribute("id") == "edit-schedule-timezone", "the wrong field has the focus")
    check(not d.find_element(By.ID, "edit-policies-decreases-error").text, "no error beside a right field")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", timezone)
    shot(f, "edit-connector-refused")
    fits_phone_width(f, "edit-connector")
    timezone.clear()
    timezone.send_keys("UTC")
    press(d, d.find_element(By.ID, "edit-submit"))
    wait(d, lambda drv: f"{CONNECTOR}: policies and schedule saved" in notice(drv))
    card(d, CONNECTOR).find_element(By.CSS_SELECTOR, '[data-action="edit"]').click()
    decreases = Select(wait(d, ec.visibility_of_element_located((By.ID, "edit-policies-decreases"))))
    check(decreases.first_selected_option.get_attribute("value") == "require_approval", "the policy is stored")
    d.execute_script("document.getElementById('notice').textContent = ''; window.scrollTo(0, 0)")
    shot(f, "edit-connector")
    to_connectors(d)


# ---- Workspace mapping --------------------------------------------------------------------

def counters(d):
    return d.find_element(By.ID, "workspace-counters").text


def shown_workspaces(d):
    return [r.get_attribute("data-workspace") for r in d.find_elements(By.CSS_SELECTOR, "#workspace-table tbody tr")]


def maps_workspaces(f):
    """Auto-match and its report, the filters and search, the searchable picker (by keyboard),
    drag and drop, unmap."""
    d = f.driver
    card(d, CONNECTOR).find_element(By.CSS_SELECTOR, '[data-action="map-workspaces"]').click()
    wait(d, ec.visibility_of_element_located((By.ID, "workspace-table")))
    check(workspace_row(d, "ws-nw-01").get_attribute("data-state") == "unmapped", "nothing is mapped yet")
    d.find_element(By.ID, "auto-match").click()
    report = wait(d, ec.visibility_of_element_located((By.ID, "auto-report")))
    # "Summit Accounting" has no PSA account of exactly its name; "Riverside Clinic" has two.
    check("Summit Accounting" in report.text and "Riverside Clinic" in report.text,
          f"the report names what stayed unmapped and why: {report.text!r}")
    wait(d, lambda drv: counters(drv).startswith("7 of 9"))
    shot(f, "workspace-mapping")

    # Filter to what is left, and search.
    Select(d.find_element(By.ID, "workspace-filter")).select_by_value("unmapped")
    check(sorted(shown_workspaces(d)) == ["ws-nw-04", "ws-nw-08"], f"the unmapped filter: {shown_workspaces(d)}")
    d.find_element(By.ID, "workspace-search").send_keys("no such workspace")
    check(not shown_workspaces(d), "search leaves nothing")
    clear(d.find_element(By.ID, "workspace-search"))
    d.find_element(By.ID, "workspace-search").send_keys("summit")
    check(shown_workspaces(d) == ["ws-nw-04"], "search finds it")

    # The picker: type part of the account's name, Enter takes the first match.
    workspace_row(d, "ws-nw-04").find_element(By.CSS_SELECTOR, '[data-action="pick"]').click()
    picker = wait(d, ec.visibility_of_element_located((By.ID, "picker-search")))
    check(d.switch_to.active_element == picker, "the picker's search has the focus")
    picker.send_keys("Summit")
    buttons = d.find_elements(By.CSS_SELECTOR, "#picker-list button")
    check([b.get_attribute("data-account") for b in buttons] == ["104"], "the picker's search")
    shot(f, "account-picker")
    picker.send_keys(Keys.ENTER)
    wait(d, lambda drv: counters(drv).startswith("8 of 9"))
    Select(d.find_element(By.ID, "workspace-filter")).select_by_value("all")
    clear(d.find_element(By.ID, "workspace-search"))
    check(workspace_row(d, "ws-nw-04").get_attribute("data-state") == "mapped", "mapped by the picker")

    # Drag and drop: one of the two "Riverside Clinic" accounts, dropped on the workspace's row.
    # WebDriver cannot drive HTML5 drag and drop, so the page's own drag events are dispatched,
    # in a real drag's order, with one DataTransfer.
    def drag_108():
        account = wait(d, ec.presence_of_element_located((By.CSS_SELECTOR, '#unmapped-accounts li[data-account="108"]')))
        check(account.get_attribute("draggable") == "true", "an unmapped account can be dragged")
        d.execute_script(common.DRAG_AND_DROP, account, workspace_row(d, "ws-nw-08"))
        wait(d, lambda drv: counters(drv).startswith("9 of 9"))
        check(workspace_row(d, "ws-nw-08").get_attribute("data-state") == "mapped", "mapped by drag and drop")
        check("Riverside" in workspace_row(d, "ws-nw-08").find_element(By.CSS_SELECTOR, '[data-field="account"]').text,
              "to the account dropped on it")
    drag_108()
    press(d, workspace_row(d, "ws-nw-08").find_element(By.CSS_SELECTOR, '[data-action="unmap"]'))
    wait(d, lambda drv: counters(drv).startswith("8 of 9"))
    check(workspace_row(d, "ws-nw-08").get_attribute("data-state") == "unmapped", "unmapped")
    drag_108()
    shot(f, "workspaces-drag-and-drop")
    to_connectors(d)


# ---- Service mapping ----------------------------------------------------------------------

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
    counters_text = d.find_element(By.ID, "service-counters").text
    check(counters_text.startswith("2 of 5 modules mapped"), f"the counters: {counters_text!r}")
    shot(f, "services")
    fits_phone_width(f, "services")


# ---- Review: dry run, sync, approve and dismiss -------------------------------------------

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


# ---- Runs: live progress, a run's lines, retry, reconcile ---------------------------------

def newest_run(d):
    rows = d.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr")
    return rows[0] if rows else None


def watch_progress(f, trigger, newest_before, shot_name=None):
    """Notes each phase the live progress shows of a running run started by `trigger`, until the
    history lists a run newer than `newest_before`; returns (its row, the phases seen)."""
    d = f.driver
    running = f'#live-progress .progress-run[data-trigger="{trigger}"][data-running="true"]'
    phases = []

    def watch(drv):
        for run in drv.find_elements(By.CSS_SELECTOR, running):
            phase = run.get_attribute("data-phase")
            # The element may change between finding it running and reading its phase: a run
            # that has just ended shows "finished" there, which is not a phase seen running.
            if phase != "finished" and phase not in phases:
                phases.append(phase)
                if shot_name and phase in ("reading", "writing"):
                    shot(f, shot_name)
        row = newest_run(drv)
        return row is not None and int(row.get_attribute("data-run")) > newest_before and bool(phases) and row
    newest = WebDriverWait(d, common.WAIT_S, poll_frequency=0.05,
                           ignored_exceptions=(common.StaleElementReferenceException,)).until(watch)
    # The poll (0.7 s) may miss a short phase; any phase of a running run shown proves the path.
    check(set(phases) <= {"planning", "recording", "reading", "deciding", "writing"},
          f"the live progress showed the running {trigger} run's phases: {phases}")
    return newest


def queue_sync(d):
    """Queues a sync for the job workers, as the scheduler does (POST …/sync with "queue"), with
    the page's session and its CSRF token."""
    return d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/v1/session').then(r => r.json()).then(s => fetch(arguments[0], {method: 'POST',"
        " headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token},"
        " body: JSON.stringify({queue: true})})).then(r => done(r.status), e => done(String(e)));",
        f"/v1/connectors/{CONNECTOR}/sync")


def watches_runs_and_retries(f):
    d = f.driver
    # A third service brings new lines to write; the platform is slowed so the progress shows,
    # and its first adjustment is refused so the run has a failed line to retry.
    f.meterbridge("map", "service", CONNECTOR, "edr", "34", "--metric", "devices")
    sim_control(f, "/_sim/latency", {"latency_ms": 300})
    sim_control(f, "/_sim/faults", {"rules": [{"kind": 400, "method": "POST", "path": "/atservicesrest/v1.0/ContractServiceAdjustments", "count": 1}]})
    d.find_element(By.LINK_TEXT, "Runs").click()
    wait(d, ec.visibility_of_element_located((By.ID, "runs-table")))
    settled(d)
    Select(d.find_element(By.ID, "runs-connector")).select_by_value(CONNECTOR)
    wait(d, lambda drv: drv.find_element(By.ID, "runs-sync").is_enabled())
    newest_before = int(newest_run(d).get_attribute("data-run"))
    d.find_element(By.ID, "runs-sync").click()
    newest = watch_progress(f, "sync", newest_before, "runs-progress")
    check(newest.get_attribute("data-state") == "partial", f"one line failed: {newest.get_attribute('data-state')}")
    partial = int(newest.get_attribute("data-run"))
    sim_control(f, "/_sim/latency", {"latency_ms": 0})
    shot(f, "runs")
    fits_phone_width(f, "runs")

    d.find_element(By.CSS_SELECTOR, f'#runs-table tr[data-run="{partial}"] a').click()
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

    # A sync the job workers run (the scheduler's path) shows live too.
    newest_before = int(newest_run(d).get_attribute("data-run"))
    sim_control(f, "/_sim/latency", {"latency_ms": 120})
    check(queue_sync(d) == 202, "the sync is queued")
    common.mark("queued")
    queued = watch_progress(f, "api", newest_before)
    common.mark("queued sync seen")
    check(queued.get_attribute("data-state") not in ("failed", "partial"), f"the queued sync ran: {queued.text!r}")
    sim_control(f, "/_sim/latency", {"latency_ms": 0})

    d.find_element(By.ID, "runs-reconcile").click()
    reconcile = wait(d, ec.visibility_of_element_located((By.ID, "reconcile")))
    check("differ from the platform" in reconcile.text, f"the reconcile result: {reconcile.text!r}")
    shot(f, "runs-reconcile")


# ---- Drift, disconnect --------------------------------------------------------------------

def sees_drift(f):
    """Companies renamed and deactivated on the platform since they were mapped show as drift."""
    d = f.driver
    change_company(f, {"id": 102, "companyName": "Harbor Legal Partners LLP"})
    change_company(f, {"id": 103, "isActive": False})
    d.execute_script("location.hash = arguments[0]", f"#/connectors/{CONNECTOR}/workspaces")
    wait(d, ec.visibility_of_element_located((By.ID, "workspace-table")))
    settled(d)
    check(not d.find_elements(By.CSS_SELECTOR, ".badge-drift"), "no drift before the accounts are read again")
    d.find_element(By.ID, "refresh-accounts").click()
    wait(d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, ".badge-drift")) == 2)
    renamed = workspace_row(d, "ws-nw-02").find_element(By.CSS_SELECTOR, ".badge-drift")
    check(renamed.get_attribute("data-drift") == "account_renamed"
          and renamed.text == "Renamed: Harbor Legal LLP → Harbor Legal Partners LLP",
          f"the rename, old → new: {renamed.text!r}")
    # Autotask lists only active companies: a deactivated one is gone from the listing.
    gone = workspace_row(d, "ws-nw-03").find_element(By.CSS_SELECTOR, ".badge-drift")
    check(gone.get_attribute("data-drift") == "account_missing" and gone.text == "Not in PSA (deleted or inactive)",
          f"the deactivation: {gone.text!r}")
    Select(d.find_element(By.ID, "workspace-filter")).select_by_value("drift")
    check(sorted(shown_workspaces(d)) == ["ws-nw-02", "ws-nw-03"], f"the drift filter: {shown_workspaces(d)}")
    check("2 changed in the PSA" in counters(d), f"the counters: {counters(d)!r}")
    shot(f, "workspace-drift")
    # The rename is the same customer: mapping it again takes the new name.
    press(d, workspace_row(d, "ws-nw-02").find_element(By.CSS_SELECTOR, '[data-action="accept-rename"]'))
    wait(d, lambda drv: shown_workspaces(drv) == ["ws-nw-03"])
    check("Harbor Legal Partners LLP" in notice(d), f"the new name is taken: {notice(d)!r}")
    Select(d.find_element(By.ID, "workspace-filter")).select_by_value("all")
    to_connectors(d)


def disconnects_and_removes(f):
    d = f.driver
    # Disconnect asks first, says what goes, and Cancel changes nothing.
    card(d, CONNECTOR).find_element(By.CSS_SELECTOR, '[data-action="disconnect"]').click()
    dialog = wait(d, ec.visibility_of_element_located((By.ID, "confirm")))
    text = dialog.find_element(By.ID, "confirm-text").text
    check("9 workspace mappings" in text and "Run history stays" in text, f"the confirmation says what goes: {text!r}")
    check(d.switch_to.active_element.get_attribute("id") == "confirm-cancel", "Cancel has the focus")
    shot(f, "disconnect-confirmation")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    wait(d, ec.invisibility_of_element_located((By.ID, "confirm")))
    check(card(d, CONNECTOR).find_element(By.CSS_SELECTOR, ".status").text != "Disconnected",
          "Cancel disconnects nothing")
    card(d, CONNECTOR).find_element(By.CSS_SELECTOR, '[data-action="disconnect"]').click()
    wait(d, ec.visibility_of_element_located((By.ID, "confirm-ok"))).click()
    wait(d, lambda drv: card(drv, CONNECTOR).find_element(By.CSS_SELECTOR, ".status").text == "Disconnected")
    check(common.card_field(d, CONNECTOR, "workspaces").startswith("0 of"), "its mappings are gone")

    card(d, CONNECTOR).find_element(By.CSS_SELECTOR, '[data-action="remove"]').click()
    text = wait(d, ec.visibility_of_element_located((By.ID, "confirm-text"))).text
    check("run history stays" in text, f"the confirmation says what goes and what stays: {text!r}")
    wait(d, ec.visibility_of_element_located((By.ID, "confirm-ok"))).click()
    wait(d, lambda drv: f"{CONNECTOR}: removed" in notice(drv))
    settled(d)
    check(not d.find_elements(By.CSS_SELECTOR, f'.card[data-connector="{CONNECTOR}"]'), "a removed connector is gone")


def main():
    build, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    common.run_steps("onboarding browser test", Fixture(build, source), set_up,
                     (adds_the_connector, edits_policies, maps_workspaces, maps_services,
                      reviews_and_approves, watches_runs_and_retries, sees_drift,
                      disconnects_and_removes),
                     ("serve", "autotask-sim"))


if __name__ == "__main__":
    main()
