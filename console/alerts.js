// The Alerts screen (docs/console.md, "Alerts"): per connector, its alerts runs — what each
// opened, noted, closed, failed and could not route, with the reasons — and each alert it
// handled with its status and ticket; "Run alerts now"; and "Check permissions", which shows
// `alerts check`'s answer: the boards to choose from and the rights the credentials lack.
// Partner-scoped like the rest: the connector list and the connector routes are.
//
// `ui` is the console's helpers from app.js: { el, show, notify, api, matches, when }.

const OUTCOMES = ["opened", "found", "noted", "closed", "failed", "not_routed", "unrouted_resolved"];

const view = { connector: "" };

// #/alerts and #/alerts/{connector}
export function route(hash, ui) {
  const match = /^#\/alerts(?:\/([^/]+))?$/.exec(hash);
  if (!match) return false;
  if (match[1]) view.connector = decodeURIComponent(match[1]);
  renderAlerts(ui);
  return true;
}

function countsOf(counts) {
  const parts = OUTCOMES.filter((o) => counts[o]).map((o) => `${counts[o]} ${o.replace("_", " ")}`);
  return parts.length ? parts.join(", ") : "nothing to do";
}

function yesNo(value) {
  return value ? "yes" : "NO";
}

// The permissions check's answer: ready or not, what the credentials may do, what is missing,
// the policy's problems, and the boards and priorities to choose from. The policy form
// (alertpolicy.js) shows it too.
export function checkPanel(ui, check) {
  const { el } = ui;
  const p = check.permissions || {};
  const boards = (check.boards || []).map((b) => el("tr", { "data-board": b.id },
    el("th", { scope: "row", "data-label": "Board" }, b.name),
    el("td", { "data-label": "Id" }, b.id),
    el("td", { "data-label": "Statuses" }, (b.statuses || []).map((s) =>
      `${s.name}${s.default ? " (new)" : ""}${s.closed ? " (closes)" : ""}`).join(", "))));
  const priorities = (check.priorities || []).map((pr) => `${pr.name}${pr.default ? " (default)" : ""}`);
  return el("section", { id: "alerts-check", class: "panel", "aria-labelledby": "alerts-check-title",
    "data-ready": String(check.ready) },
    el("h2", { id: "alerts-check-title" }, check.ready ? "Ready: alerts become tickets" : "Not ready"),
    el("p", { id: "alerts-permissions" },
      `List ${yesNo(p.can_list)} · create ${yesNo(p.can_create)} · update ${yesNo(p.can_update)} · close ${yesNo(p.can_close)}`),
    p.message ? el("p", { class: "sub" }, p.message) : null,
    (p.missing || []).length
      ? el("div", {}, el("h3", {}, "Missing rights (grant them to the API member)"),
          el("ul", { id: "alerts-missing" }, p.missing.map((m) => el("li", {}, m))))
      : null,
    (check.problems || []).length
      ? el("div", {}, el("h3", {}, "Problems with the alerts policy"),
          el("ul", { id: "alerts-problems" }, check.problems.map((m) => el("li", {}, m))))
      : null,
    boards.length
      ? el("table", { class: "workspaces", id: "alerts-boards" },
          el("caption", {}, "Boards to choose from"),
          el("thead", {}, el("tr", {}, ["Board", "Id", "Statuses"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, boards))
      : null,
    priorities.length ? el("p", { id: "alerts-priorities" }, `Priorities: ${priorities.join(", ")}`) : null);
}

function runRows(ui, runs) {
  const { el, when } = ui;
  return runs.map((r) => el("tr", { "data-alert-run": r.run, "data-trigger": r.trigger },
    el("th", { scope: "row", "data-label": "Run" }, `#${r.run}`),
    el("td", { "data-label": "Trigger" }, r.trigger),
    el("td", { "data-label": "What it did", "data-field": "counts" }, countsOf(r.counts),
      r.lines.length
        ? el("details", {}, el("summary", {}, `${r.lines.length} alert${r.lines.length === 1 ? "" : "s"}`),
            el("ul", { class: "run-lines" }, r.lines.map((l) => el("li", { "data-alert": l.alert_id, "data-outcome": l.outcome },
              `${l.alert_id}: ${l.outcome.replace("_", " ")}${l.ticket_id ? ` · ticket ${l.ticket_id}` : ""}${l.message ? ` — ${l.message}` : ""}`))))
        : null),
    el("td", { "data-label": "Started" }, when(r.started_at))));
}

function alertRows(ui, alerts) {
  const { el, when } = ui;
  return alerts.map((a) => {
    const alert = a.alert || {};
    return el("tr", { "data-alert": a.alert_id, "data-state": a.state },
      el("th", { scope: "row", "data-label": "Alert" }, a.alert_id, alert.title ? el("div", { class: "sub" }, alert.title) : null),
      el("td", { "data-label": "Severity" }, alert.severity || ""),
      el("td", { "data-label": "Status" }, alert.status || ""),
      el("td", { "data-label": "Ticket", "data-field": "ticket" },
        el("span", { class: `outcome outcome-${a.state === "not_routed" ? "needs_attention" : a.state === "closed" ? "ok" : "partial"}` },
          a.state.replace("_", " ")),
        a.ticket_id ? ` #${a.ticket_id}` : ""),
      el("td", { "data-label": "Why", "data-field": "reason" }, a.reason),
      el("td", { "data-label": "Updated" }, when(a.updated_at)));
  });
}

async function renderAlerts(ui) {
  const { el, show, api, notify } = ui;
  const main = document.getElementById("main");
  const heading = el("h1", {}, "Alerts");
  main.setAttribute("aria-busy", "true");
  let connectors;
  try {
    connectors = (await api("GET", "/v1/connectors")).connectors;
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(heading, el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  if (!connectors.some((c) => c.id === view.connector)) view.connector = connectors.length ? connectors[0].id : "";
  const picker = el("select", { id: "alerts-connector", "aria-label": "Connector" },
    connectors.map((c) => el("option", { value: c.id, selected: c.id === view.connector }, c.id)));
  picker.addEventListener("change", () => { location.hash = `#/alerts/${encodeURIComponent(picker.value)}`; });
  if (!view.connector) {
    main.removeAttribute("aria-busy");
    show(heading, el("p", { class: "empty" }, "No connectors yet."));
    return;
  }
  const base = `/v1/connectors/${encodeURIComponent(view.connector)}/alerts`;
  let alerts, runs;
  try {
    [alerts, runs] = await Promise.all([api("GET", base), api("GET", `${base}/runs?limit=20`)]);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(heading, el("div", { class: "toolbar" }, picker), el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const checkArea = el("div", { id: "alerts-check-area", "aria-live": "polite" });
  // The check needs no policy: it lists what one is written from.
  const check = el("button", { type: "button", class: "secondary", id: "alerts-check-button", disabled: !alerts.tickets },
    "Check permissions");
  check.addEventListener("click", async () => {
    check.disabled = true;
    checkArea.replaceChildren(el("p", { class: "loading" }, "Asking the PSA…"));
    try {
      checkArea.replaceChildren(checkPanel(ui, await api("GET", `${base}/check`)));
    } catch (e) {
      checkArea.replaceChildren(el("p", { class: "error", role: "alert" }, e.message));
    }
    check.disabled = false;
  });
  const runNow = el("button", { type: "button", id: "alerts-sync", disabled: !alerts.routes_alerts }, "Run alerts now");
  runNow.addEventListener("click", async () => {
    runNow.disabled = true;
    const connector = view.connector;
    try {
      const run = await api("POST", `${base}/sync`, {});
      notify(`${connector}: alerts run #${run.run} — ${countsOf(run.counts)}`);
    } catch (e) {
      notify(`${connector}: ${e.message}`);
    }
    if (location.hash.startsWith("#/alerts")) renderAlerts(ui);
  });
  // A console connector's policy is edited here; one of the config file, in the file.
  const policy = alerts.tickets && !alerts.from_config
    ? el("a", { href: `#/alerts/${encodeURIComponent(view.connector)}/policy`, class: "button secondary", id: "alerts-policy" }, "Alerts policy")
    : null;
  show(heading,
    el("div", { class: "toolbar" }, picker, runNow, check, policy),
    alerts.routes_alerts ? null
      : el("p", { class: "empty", id: "alerts-no-policy" },
          alerts.tickets
            ? `This connector routes no alerts: it has no enabled alerts policy (${alerts.from_config ? "\"alerts\" in the configuration file" : "set one in Alerts policy"}; docs/alerts.md).`
            : "This connector routes no alerts: its platform does not offer tickets."),
    checkArea,
    el("h2", {}, "Alerts runs"),
    runs.runs.length
      ? el("table", { class: "workspaces", id: "alert-runs-table" },
          el("caption", {}, "Newest first"),
          el("thead", {}, el("tr", {}, ["Run", "Trigger", "What it did", "Started"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, runRows(ui, runs.runs)))
      : el("p", { class: "empty" }, "No alerts runs yet."),
    el("h2", {}, "Alerts and their tickets"),
    alerts.alerts.length
      ? el("table", { class: "workspaces", id: "alerts-table" },
          el("thead", {}, el("tr", {}, ["Alert", "Severity", "Status", "Ticket", "Why", "Updated"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, alertRows(ui, alerts.alerts)))
      : el("p", { class: "empty" }, "No alert has reached this connector yet."));
  main.removeAttribute("aria-busy");
}
