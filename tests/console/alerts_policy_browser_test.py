#!/usr/bin/env python3
"""The alerts policy edited in the console, in real headless Chromium (docs/console.md, "Alerts
policy"; docs/alerts.md, "The alerts policy").

Starts the ConnectWise simulator (the demo tenant, plus an API member whose role may neither add
nor close service tickets), the Gradient simulator and `meterbridge serve` on loopback ports
chosen at run time; adds three console connectors through the API (one per ConnectWise member,
one Gradient); then, as a vendor admin in Chromium:
  1. edits contoso-cw's alerts policy on its Alerts policy screen — the board chosen from the
     boards the permissions check lists, the board's closing status, the minimum severity, a
     priority — and finds it stored; "Run alerts now" then opens tickets on that board, at that
     priority, for the alerts at or above that severity only (read back from the simulator);
  2. a bad value (a severity the form does not offer, as a stale form would send) is refused beside
     its field, and nothing is stored;
  3. "Check permissions" of the member without ticket rights names each right it lacks;
  4. a Gradient connector (the Gradient simulator: Gradient routes alerts to the PSA itself) is
     offered no board, status or type, only the minimum severity and its own priorities.
Screenshots go to <build>/tests/alerts-policy-screenshots/ (artifacts, not committed).

    alerts_policy_browser_test.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console_browser_test as common  # noqa: E402
from console_browser_test import By, Select, check, ec, settled, shot, sign_in, wait  # noqa: E402

TOKEN = "vendor-token-for-alerts-policy-tests"
# The member that may not add or close service tickets, and the rights ConnectWise names for that.
LIMITED = {"publicKey": "LimitedKey01", "privateKey": "limited-private-key",
           "forbidden": ["POST service/tickets", "CLOSE service/tickets"]}
MISSING = ["Service Desk > Service Tickets: Add Level All",
           "Service Desk > Close Service Tickets: Edit Level All"]


class Fixture(common.Fixture):
    def __init__(self, build, source):
        super().__init__(build, source, "alerts-policy")


def api(f, method, path, body=None):
    request = urllib.request.Request(f.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN,
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{method} {path}: {e.code} {e.read().decode()}") from None


def sim_tickets(f):
    with urllib.request.urlopen(f.sim + "/_sim/state", timeout=10) as response:
        return {t["externalXRef"]: t for t in json.load(response)["tickets"]}


def connectwise(f, connector, member):
    return {"id": connector, "plugin": "connectwise", "partner": "Contoso Managed Services",
            "partner_id": "contoso",
            "config": {"company_id": "contoso", "site": "api-na.myconnectwise.net",
                       "public_key": member["publicKey"], "private_key": member["privateKey"],
                       "client_id": "5a1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "base_url": f.sim}}


def set_up(f):
    demo = os.path.join(f.source, "examples", "demo")
    with open(os.path.join(demo, "connectwise.seed.json")) as seed_file:
        seed = json.load(seed_file)
    seed["apiMembers"].append(LIMITED)
    seed_path = os.path.join(f.work, "connectwise.seed.json")
    with open(seed_path, "w") as out:
        json.dump(seed, out)
    f.sim = f.start([os.path.join(f.build, "bin", "meterbridge-sim"), "connectwise", "--seed", seed_path],
                    "connectwise-sim")
    # The MSP's integration already pending, as once connected: a console connector is stored
    # only after a test the platform passes.
    with open(os.path.join(demo, "gradient.seed.json")) as seed_file:
        gradient_seed = json.load(seed_file)
    gradient_seed["partners"][0]["status"] = "pending"
    gradient_seed_path = os.path.join(f.work, "gradient.seed.json")
    with open(gradient_seed_path, "w") as out:
        json.dump(gradient_seed, out)
    f.gradient = f.start([os.path.join(f.build, "bin", "meterbridge-sim"), "gradient", "--seed",
                          gradient_seed_path], "gradient-sim")
    f.config = os.path.join(f.work, "mb.json")
    with open(f.config, "w") as out:
        json.dump({"state": {"path": os.path.join(f.work, "state", "mb.db")},
                   "plugins": {"dir": os.path.join(f.build, "plugins")},
                   "api": {"token": TOKEN}, "connectors": []}, out)
    f.meterbridge("users", "add", "vera", "--role", "vendor_admin", stdin=common.PASSWORD + "\n")
    f.meterbridge("usage", "import", os.path.join(demo, "usage.json"))
    f.serve_args = [os.path.join(f.build, "bin", "meterbridge"), "--config", f.config, "serve",
                    "--no-schedule", "--listen", "127.0.0.1:0"]
    line = f.start(f.serve_args, "serve")
    f.url = line[line.index("http://"):]
    api(f, "POST", "/v1/console/connectors", connectwise(f, "contoso-cw", seed["apiMembers"][0]))
    api(f, "POST", "/v1/console/connectors", connectwise(f, "limited-cw", LIMITED))
    api(f, "POST", "/v1/console/connectors",
        {"id": "fabrikam-gr", "plugin": "gradient", "partner": "Fabrikam Cloud Partners",
         "partner_id": "fabrikam",
         "config": {"vendor_api_key": "vk_demo_coro_vendor", "partner_api_key": "pk_demo_fabrikam",
                    "base_url": f.gradient}})
    f.meterbridge("connectors", "test", "contoso-cw")
    f.meterbridge("map", "account", "contoso-cw", "ws-cs-01", "251")
    f.meterbridge("map", "account", "contoso-cw", "ws-cs-02", "252")
    f.meterbridge("alerts", "push", os.path.join(demo, "connectwise-alerts.json"))


def stored_policy(f):
    cards = api(f, "GET", "/v1/console/connectors")["connectors"]
    return next(c for c in cards if c["id"] == "contoso-cw")["settings"]["alerts"]


def open_policy(f, connector):
    d = f.driver
    d.get(f"{f.url}/#/alerts/{connector}")
    settled(d)
    wait(d, ec.element_to_be_clickable((By.ID, "alerts-policy"))).click()
    wait(d, lambda drv: drv.current_url.endswith(f"#/alerts/{connector}/policy"))
    settled(d)
    return wait(d, ec.visibility_of_element_located((By.ID, "alerts-policy-form")))


def choose(d, path, text):
    Select(d.find_element(By.ID, "edit-" + path.replace("/", "-"))).select_by_visible_text(text)


def vendor_admin_edits_the_policy_and_the_next_run_follows_it(f):
    d = f.driver
    d.get(f.url + "/")
    sign_in(f, "vera")
    common.cards(d)
    check(stored_policy(f) is None, "no policy before the edit")
    open_policy(f, "contoso-cw")
    boards = [o.text for o in Select(d.find_element(By.ID, "edit-alerts-board")).options]
    check(boards == ["Choose a board", "Help Desk (13)", "Security Alerts (12)"],
          f"the boards come from the permissions check: {boards}")
    check(not d.find_element(By.ID, "edit-alerts-type").is_displayed(),
          "the demo boards have no types, so no type is offered")
    choose(d, "alerts/board", "Security Alerts (12)")
    closing = [o.text for o in Select(d.find_element(By.ID, "edit-alerts-status_closed")).options]
    check(closing == ["The board's closed status", ">Closed (109)"], f"the board's closing statuses: {closing}")
    choose(d, "alerts/status_closed", ">Closed (109)")
    choose(d, "alerts/min_severity", "High")
    choose(d, "alerts/priorities/critical", "Priority 1 - Emergency Response (1)")
    check(d.find_element(By.ID, "alerts-check").get_attribute("data-ready") == "false",
          "the check below the form says what is missing before the save")
    d.set_window_size(1280, 1700)  # the whole form and the check below it
    d.execute_script("window.scrollTo(0, 0)")
    shot(f, "01-alerts-policy")
    d.set_window_size(1280, 900)
    d.find_element(By.ID, "policy-submit").click()
    wait(d, lambda drv: "alerts policy saved" in drv.find_element(By.ID, "notice").text)
    wait(d, lambda drv: drv.current_url.endswith("#/alerts/contoso-cw"))
    policy = stored_policy(f)
    check(policy == {"enabled": True, "min_severity": "high", "board": "Security Alerts",
                     "status_closed": ">Closed",
                     "priorities": {"critical": "Priority 1 - Emergency Response"}},
          f"the policy stored: {policy}")

    settled(d)
    wait(d, ec.element_to_be_clickable((By.ID, "alerts-sync"))).click()
    wait(d, lambda drv: "alerts run #" in drv.find_element(By.ID, "notice").text)
    tickets = sim_tickets(f)
    check(sorted(tickets) == ["mb-alert:demo-cw-al-1", "mb-alert:demo-cw-al-2"],
          f"the critical and the high alert became tickets, the medium one did not: {sorted(tickets)}")
    check(all(t["board"]["id"] == 12 for t in tickets.values()), "on the Security Alerts board")
    check(tickets["mb-alert:demo-cw-al-1"]["priority"]["id"] == 1, "the critical one at Priority 1")
    check(tickets["mb-alert:demo-cw-al-2"]["priority"]["id"] == 3, "the high one at the default priority")


def a_bad_value_is_refused_beside_its_field(f):
    d = f.driver
    open_policy(f, "contoso-cw")
    before = stored_policy(f)
    check(Select(d.find_element(By.ID, "edit-alerts-board")).first_selected_option.text == "Security Alerts (12)",
          "the form shows the stored board")
    choose(d, "alerts/board", "Help Desk (13)")
    # A value the form does not offer, as a stale console would send it.
    d.execute_script("const s = document.getElementById('edit-alerts-min_severity');"
                     "s.append(new Option('Severe', 'severe', true, true));")
    d.find_element(By.ID, "policy-submit").click()
    error = wait(d, ec.visibility_of_element_located((By.ID, "edit-alerts-min_severity-error")))
    wait(d, lambda drv: error.text != "")
    check("alerts/min_severity" in error.text and "must be info, low, medium, high or critical" in error.text,
          f"the problem is shown beside its field: {error.text!r}")
    check(d.find_element(By.ID, "edit-alerts-min_severity").get_attribute("aria-invalid") == "true",
          "and the field is marked")
    check("Nothing was saved" in d.find_element(By.ID, "policy-error").text, "the form says nothing was saved")
    check(d.current_url.endswith("#/alerts/contoso-cw/policy"), "the form stays")
    shot(f, "02-alerts-policy-refused")
    after = stored_policy(f)
    check(after == before, f"nothing changed, the board neither: {after}")


def check_permissions_names_each_missing_right(f):
    d = f.driver
    d.get(f"{f.url}/#/alerts/limited-cw")
    settled(d)
    check(d.find_element(By.ID, "alerts-no-policy").is_displayed(), "limited-cw has no policy yet")
    wait(d, ec.element_to_be_clickable((By.ID, "alerts-check-button"))).click()
    panel = wait(d, ec.visibility_of_element_located((By.ID, "alerts-check")))
    check(panel.get_attribute("data-ready") == "false", "not ready")
    missing = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#alerts-missing li")]
    check(missing == MISSING, f"each missing right, in ConnectWise's words: {missing}")
    permissions = d.find_element(By.ID, "alerts-permissions").text
    check("create NO" in permissions and "close NO" in permissions and "update yes" in permissions,
          f"what the member may do: {permissions!r}")
    d.set_window_size(1280, 1200)
    shot(f, "03-check-missing-rights")
    d.set_window_size(1280, 900)
    check(sim_tickets(f).keys() == {"mb-alert:demo-cw-al-1", "mb-alert:demo-cw-al-2"},
          "the check wrote nothing")


def a_platform_that_routes_alerts_itself_offers_only_what_applies(f):
    d = f.driver
    open_policy(f, "fabrikam-gr")
    routes = d.find_element(By.ID, "policy-routes-itself").text
    check("routes alerts to tickets itself" in routes, f"the form says why there is no board: {routes!r}")
    for path in ("board", "status_new", "status_closed", "type", "subtype"):
        check(not d.find_elements(By.ID, "edit-alerts-" + path), f"no {path} to choose")
    offered = [o.text for o in Select(d.find_element(By.ID, "edit-alerts-priorities-critical")).options]
    check(offered[0] == "The platform's default" and len(offered) == 5,
          f"Gradient's four priorities: {offered}")
    choose(d, "alerts/priorities/critical", offered[-1])
    d.find_element(By.ID, "policy-submit").click()
    wait(d, lambda drv: "alerts policy saved" in drv.find_element(By.ID, "notice").text)
    cards = api(f, "GET", "/v1/console/connectors")["connectors"]
    policy = next(c for c in cards if c["id"] == "fabrikam-gr")["settings"]["alerts"]
    check(policy.keys() == {"enabled", "min_severity", "priorities"} and len(policy["priorities"]) == 1,
          f"only what applies is stored: {policy}")


def main():
    build, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    common.run_steps("alerts policy browser test", Fixture(build, source), set_up,
                     (vendor_admin_edits_the_policy_and_the_next_run_follows_it,
                      a_bad_value_is_refused_beside_its_field,
                      check_permissions_names_each_missing_right,
                      a_platform_that_routes_alerts_itself_offers_only_what_applies),
                     ("serve", "connectwise-sim", "gradient-sim"))


if __name__ == "__main__":
    main()
