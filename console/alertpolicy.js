// The alerts policy of a connector added in the console (docs/console.md, "Alerts policy"): the
// same object as a connector's "alerts" in the config file (docs/alerts.md, "The alerts policy"),
// edited with what the PSA offers. The boards, their statuses and types and the priorities come
// from the permissions check (GET .../alerts/check, read-only), which is shown below the form. A
// platform that routes alerts itself (no boards) is offered only what applies to it: the minimum
// severity and the priority per severity. The server checks the policy with the config file's own
// reader and refuses it whole; each problem is shown beside its field. Connectors declared in the
// config file are changed in the file.
//
// `ui` is the console's helpers from app.js: { el, show, notify, api }.

import { field, showProblems, clearProblems } from "./settings.js";
import { checkPanel } from "./alerts.js";

// Most serious first, as a technician reads the priorities.
const SEVERITIES = ["critical", "high", "medium", "low", "info"];

// #/alerts/{connector}/policy
export function route(hash, ui) {
  const match = /^#\/alerts\/([^/]+)\/policy$/.exec(hash);
  if (!match) return false;
  renderPolicy(ui, decodeURIComponent(match[1]));
  return true;
}

// The entry a policy's value names: by id first, then by name ignoring case, as a run resolves it.
function named(list, value) {
  if (!value) return undefined;
  const text = String(value).toLowerCase();
  return list.find((e) => e.id === value) || list.find((e) => e.name.toLowerCase() === text);
}

// What the policy calls an entry: its name when no other entry of the list has it (as one would
// write it in the config file), else its id.
function nameOf(entry, list) {
  const text = entry.name.toLowerCase();
  return list.filter((e) => e.name.toLowerCase() === text).length === 1 ? entry.name : entry.id;
}

// Fills a select with `list`, `empty` first (the platform's default: nothing sent), the policy's
// `current` value chosen; a value the platform does not have stays, marked, so saving keeps it
// and the check names it.
function fill(ui, select, list, current, empty) {
  const { el } = ui;
  const found = named(list, current);
  const options = [el("option", { value: "" }, empty),
    ...list.map((e) => el("option", { value: nameOf(e, list), selected: e === found }, `${e.name} (${e.id})`))];
  if (current && !found) options.push(el("option", { value: current, selected: true }, `${current} (not on the platform)`));
  select.replaceChildren(...options);
}

function severityName(severity) {
  return severity[0].toUpperCase() + severity.slice(1);
}

async function renderPolicy(ui, connector) {
  const { el, show, notify, api } = ui;
  const main = document.getElementById("main");
  const back = el("p", {}, el("a", { href: `#/alerts/${encodeURIComponent(connector)}` }, "← Alerts"));
  const heading = el("h1", { id: "policy-title" }, `Alerts policy · ${connector}`);
  main.setAttribute("aria-busy", "true");
  let card;
  try {
    card = (await api("GET", "/v1/console/connectors")).connectors.find((c) => c.id === connector);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(back, heading, el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const stop = (...why) => {
    main.removeAttribute("aria-busy");
    show(back, heading, ...why);
  };
  if (!card) return stop(el("p", { class: "error", role: "alert" }, `No connector '${connector}'.`));
  if (card.from_config)
    return stop(el("p", { id: "policy-from-config" }, "This connector is declared in the configuration file: its alerts policy (\"alerts\") is changed there."));
  if (!card.tickets)
    return stop(el("p", { id: "policy-no-tickets" }, `${card.platform} does not offer tickets: this connector's alerts cannot become tickets.`));
  // What the PSA offers to choose from. Without it the form still edits what the policy says.
  let check = null;
  let unreachable = null;
  try {
    check = await api("GET", `/v1/connectors/${encodeURIComponent(connector)}/alerts/check`);
  } catch (e) {
    if (e.status === 401) return;
    unreachable = el("p", { class: "error", id: "policy-check-error", role: "alert" },
      `The PSA's boards and priorities could not be read (${e.message}); only the policy's own values are offered.`);
  }
  const boards = check ? check.boards : [];
  const priorities = check ? check.priorities : [];
  const routesItself = check !== null && boards.length === 0;
  const policy = card.settings.alerts || { enabled: true, min_severity: "low", priorities: {} };
  const choice = () => el("select", {});

  const enabled = field(ui, "alerts/enabled", "Alerts become tickets", el("input", { type: "checkbox", checked: policy.enabled || undefined }),
    "Off: the policy is kept, and no alert opens a ticket.");
  const board = field(ui, "alerts/board", "Board", choice(), "The service board or queue tickets go to.");
  const statusNew = field(ui, "alerts/status_new", "Status of a new ticket", choice(), "A status of the board that does not close.");
  const statusClosed = field(ui, "alerts/status_closed", "Status of a closed ticket", choice(), "Set when the alert resolves; a status of the board that closes.");
  const type = field(ui, "alerts/type", "Type", choice(), "Optional ticket type of the board.");
  const subtype = field(ui, "alerts/subtype", "Sub-type", choice(), "Optional; needs a type.");
  const minSeverity = field(ui, "alerts/min_severity", "Minimum severity",
    el("select", {}, [...SEVERITIES].reverse().map((s) => el("option", { value: s, selected: s === policy.min_severity }, severityName(s)))),
    "Less serious alerts open no ticket.");
  const priorityFields = SEVERITIES.map((s) => {
    const f = field(ui, `alerts/priorities/${s}`, severityName(s), choice(), "");
    fill(ui, f.input, priorities, (policy.priorities || {})[s], routesItself ? "The platform's default" : "The board's default");
    return f;
  });
  const onBoard = [board, statusNew, statusClosed, type, subtype];

  // The statuses and types offered are the chosen board's.
  const chosenBoard = () => named(boards, board.input.value);
  const fillSubtypes = (current) => {
    const t = named((chosenBoard() || { types: [] }).types || [], type.input.value);
    fill(ui, subtype.input, t ? t.subtypes || [] : [], current, "None");
    subtype.node.hidden = !t && !current;
  };
  const fillBoard = (current) => {
    const b = chosenBoard() || { statuses: [], types: [] };
    fill(ui, statusNew.input, b.statuses.filter((s) => !s.closed), current.status_new, "The board's default");
    fill(ui, statusClosed.input, b.statuses.filter((s) => s.closed), current.status_closed, "The board's closed status");
    fill(ui, type.input, b.types || [], current.type, "None");
    type.node.hidden = !(b.types || []).length && !current.type;
    fillSubtypes(current.subtype);
  };
  fill(ui, board.input, boards, policy.board, "Choose a board");
  fillBoard(policy);
  board.input.addEventListener("change", () => fillBoard({}));
  type.input.addEventListener("change", () => fillSubtypes(""));

  const fields = [enabled, ...(routesItself ? [] : onBoard), minSeverity, ...priorityFields];
  const error = el("p", { class: "error", id: "policy-error", role: "alert" });
  const submit = el("button", { type: "submit", id: "policy-submit" }, "Save");
  const remove = card.settings.alerts
    ? el("button", { type: "button", class: "secondary", id: "policy-remove" }, "Remove the policy")
    : null;
  const form = el("form", { class: "add-connector", id: "alerts-policy-form", "aria-labelledby": "policy-title", novalidate: true },
    el("fieldset", {}, el("legend", {}, "Where tickets go"), enabled.node,
      routesItself
        ? el("p", { id: "policy-routes-itself" }, `${card.platform} routes alerts to tickets itself: there is no board, status or type to choose.`)
        : onBoard.map((f) => f.node)),
    el("fieldset", {}, el("legend", {}, "Which alerts, at which priority"), minSeverity.node,
      el("p", { class: "help" }, "The PSA priority of each severity."), priorityFields.map((f) => f.node)),
    el("div", { class: "actions" }, submit, remove,
      el("a", { href: `#/alerts/${encodeURIComponent(connector)}`, class: "button secondary" }, "Cancel")),
    error);
  const save = async (alerts, done) => {
    clearProblems(fields, error);
    submit.disabled = true;
    try {
      await api("PATCH", `/v1/console/connectors/${encodeURIComponent(connector)}`, { alerts });
      notify(`${connector}: ${done}`);
      location.hash = `#/alerts/${encodeURIComponent(connector)}`;
    } catch (e) {
      submit.disabled = false;
      showProblems(fields, e, error);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const alerts = { enabled: enabled.input.checked, min_severity: minSeverity.input.value, priorities: {} };
    for (const f of routesItself ? [] : onBoard)
      if (!f.node.hidden && f.input.value) alerts[f.path.split("/")[1]] = f.input.value;
    for (const [i, s] of SEVERITIES.entries())
      if (priorityFields[i].input.value) alerts.priorities[s] = priorityFields[i].input.value;
    save(alerts, "alerts policy saved");
  });
  if (remove) remove.addEventListener("click", () => save(null, "alerts policy removed: its alerts become no tickets"));
  stop(el("p", {}, `${card.partner || card.id} · ${card.platform}. Checked by the same rules as "alerts" of a connector in the configuration file; nothing is saved unless everything is right, and the next alerts run follows it.`),
    unreachable, form, check ? checkPanel(ui, check) : null);
  (routesItself ? minSeverity : board).input.focus();
}
