// The meterbridge web console: plain modern JavaScript, no framework, no build step
// (docs/console.md says why). It talks to the admin API of the same origin with the session
// cookie, and repeats the session's CSRF token on every request that changes something.
// Every text from the server is set as text, never parsed as HTML.

import * as services from "./services.js";
import * as review from "./review.js";
import * as runs from "./runs.js";
import * as settings from "./settings.js";
import * as alerts from "./alerts.js";
import * as alertpolicy from "./alertpolicy.js";

const state = { user: null, csrf: "" };

// ---- DOM helpers ----

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Screens pass optional parts as null or false when they have nothing to show: skip them, as
// el() does, rather than print "null".
function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined && node !== false));
}

function notify(text) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { notice.textContent = ""; }, 8000);
}

// ---- API ----

class ApiError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details || {};  // e.g. {field, errors: [{field, message}]} for a refused form
  }
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let doc = null;
  try { doc = await response.json(); } catch { doc = null; }
  if (!response.ok) {
    const message = doc && doc.error ? doc.error.message : `${response.status} ${response.statusText}`;
    if (response.status === 401 && path !== "/v1/session") signedOut();
    throw new ApiError(response.status, message, doc && doc.error ? doc.error.details : undefined);
  }
  return doc;
}

// ---- Sign-in ----

function signedOut() {
  state.user = null;
  state.csrf = "";
  document.getElementById("nav").hidden = true;
  document.getElementById("who").hidden = true;
  renderSignIn();
}

function renderSignIn(message = "") {
  const error = el("p", { class: "error", id: "signin-error", role: "alert" }, message);
  const name = el("input", { id: "signin-name", name: "username", autocomplete: "username", required: true });
  const password = el("input", {
    id: "signin-password", name: "password", type: "password",
    autocomplete: "current-password", required: true,
  });
  const submit = el("button", { type: "submit", id: "signin-submit" }, "Sign in");
  const form = el("form", { class: "signin", "aria-labelledby": "signin-title" },
    el("h1", { id: "signin-title" }, "Sign in"),
    el("label", { for: "signin-name" }, "Name"), name,
    el("label", { for: "signin-password" }, "Password"), password,
    submit, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      const doc = await api("POST", "/v1/session", { name: name.value, password: password.value });
      password.value = "";
      signedIn(doc);
    } catch (e) {
      error.textContent = e.message;
      submit.disabled = false;
      password.focus();
    }
  });
  show(form);
  name.focus();
}

function signedIn(doc) {
  state.user = doc.user;
  state.csrf = doc.csrf_token || "";
  const role = doc.user.role === "vendor_admin" ? "vendor admin" : `partner admin · ${doc.user.partner_id}`;
  document.getElementById("who-name").textContent = `${doc.user.name} (${role})`;
  document.getElementById("who").hidden = false;
  document.getElementById("nav").hidden = false;
  route();
}

async function signOut() {
  try { await api("DELETE", "/v1/session"); } catch { /* the session may be gone already */ }
  signedOut();
}

// ---- Connectors ----

const STATUS_TEXT = {
  connected: "Connected",
  setup_required: "Setup required",
  pending: "Pending",
  error: "Error",
  disconnected: "Disconnected",
};

function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function lastRunText(run) {
  if (!run) return "Never run";
  const kind = run.dry_run ? "dry run" : "run";
  return `${run.state} (${kind} #${run.id}) · ${when(run.finished_at || run.started_at)}`;
}

function connectorCard(c) {
  const status = el("span", { class: `status status-${c.status}`, "data-status": c.status },
    STATUS_TEXT[c.status] || c.status);
  const buttons = el("div", { class: "actions" },
    el("button", { type: "button", class: "secondary", "data-action": "test",
                   onclick: (e) => runAction(e.currentTarget, c, "test") }, "Test"),
    el("button", { type: "button", "data-action": "sync",
                   disabled: c.status === "disconnected",
                   onclick: (e) => runAction(e.currentTarget, c, "sync") }, "Sync now"),
    el("button", { type: "button", class: "danger-outline", "data-action": "disconnect",
                   disabled: c.status === "disconnected",
                   onclick: () => confirmDisconnect(c) }, "Disconnect"),
    c.from_config ? null : el("button", { type: "button", class: "danger-outline", "data-action": "remove",
                                          onclick: () => confirmRemove(c) }, "Remove"));
  return el("article", { class: "card", "data-connector": c.id, "aria-labelledby": `card-${c.id}` },
    el("h2", { id: `card-${c.id}` }, c.partner || c.id),
    el("p", { class: "sub" }, `${c.platform} · ${c.id}`,
      c.from_config ? el("span", { class: "tag", title: "Declared in the configuration file" }, "from configuration") : null),
    el("div", {}, status),
    c.status === "error" && c.status_message ? el("p", { class: "reason" }, c.status_message) : null,
    el("dl", {},
      el("dt", {}, "Workspaces"),
      el("dd", { "data-field": "workspaces" }, `${c.workspaces.mapped} of ${c.workspaces.total} workspaces mapped`),
      el("dt", {}, "Services"),
      el("dd", { "data-field": "services" }, `${c.services.mapped} of ${c.services.total} services mapped`),
      el("dt", {}, "Last run"),
      el("dd", { "data-field": "last-run" }, lastRunText(c.last_run)),
      el("dt", {}, "Next run"),
      el("dd", { "data-field": "next-run" }, c.next_run_at ? when(c.next_run_at) : "Not scheduled")),
    el("a", { href: `#/connectors/${encodeURIComponent(c.id)}/workspaces`, "data-action": "map-workspaces" },
      "Map workspaces"),
    el("a", { href: `#/connectors/${encodeURIComponent(c.id)}/services`, "data-action": "map-services" },
      "Map services"),
    c.from_config ? null : el("a", { href: `#/connectors/${encodeURIComponent(c.id)}/edit`, "data-action": "edit" },
      "Policies and schedule"),
    buttons);
}

async function renderConnectors() {
  const main = document.getElementById("main");
  const heading = el("h1", {}, "Connectors");
  // Marked busy while the cards load, for assistive technology (and the browser tests).
  main.setAttribute("aria-busy", "true");
  if (!main.querySelector("#connector-cards")) show(heading, el("p", { class: "loading" }, "Loading connectors…"));
  try {
    const doc = await api("GET", "/v1/console/connectors");
    const cards = doc.connectors.map(connectorCard);
    const add = el("p", {}, el("a", { href: "#/connectors/new", class: "button", id: "add-connector" }, "Add a connector"));
    show(heading, add, cards.length
      ? el("div", { class: "cards", id: "connector-cards" }, cards)
      : el("p", { class: "empty" }, "No connectors yet."));
  } catch (e) {
    if (e.status !== 401) show(heading, el("p", { class: "error", role: "alert" }, e.message));
  } finally {
    main.removeAttribute("aria-busy");
  }
}

async function runAction(button, c, action) {
  button.disabled = true;
  const label = button.textContent;
  button.textContent = action === "sync" ? "Syncing…" : "Testing…";
  try {
    const doc = await api("POST", `/v1/connectors/${encodeURIComponent(c.id)}/${action}`, {});
    if (action === "test") notify(`${c.id}: ${doc.status}${doc.message ? " — " + doc.message : ""}`);
    else notify(`${c.id}: run #${doc.id} ${doc.state}`);
  } catch (e) {
    notify(`${c.id}: ${e.message}`);
  }
  button.textContent = label;
  await renderConnectors();
}

// Asks in the modal dialog (Cancel has the focus); on OK calls the API, says how it went and
// shows the cards again.
function confirmThen(c, { title, text, ok, method, path, done }) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = ok;
  dialog.onclose = async () => {
    if (dialog.returnValue !== "ok") return;
    try {
      await api(method, path, method === "POST" ? {} : undefined);
      notify(`${c.id}: ${done}`);
    } catch (e) {
      notify(`${c.id}: ${e.message}`);
    }
    await renderConnectors();
  };
  dialog.returnValue = "";
  dialog.showModal();
  document.getElementById("confirm-cancel").focus();
}

function confirmDisconnect(c) {
  confirmThen(c, {
    title: `Disconnect ${c.partner || c.id}?`,
    text: `This removes ${c.disconnect_removes} The platform is told first.`,
    ok: "Disconnect", method: "POST", path: `/v1/connectors/${encodeURIComponent(c.id)}/disconnect`,
    done: "disconnected",
  });
}

function confirmRemove(c) {
  confirmThen(c, {
    title: `Remove ${c.partner || c.id}?`,
    text: `This disconnects it (removing ${c.disconnect_removes.replace(/ Run history stays\.$/, "")}) ` +
          "and deletes the connector. Its run history stays.",
    ok: "Remove", method: "DELETE", path: `/v1/console/connectors/${encodeURIComponent(c.id)}`,
    done: "removed",
  });
}

// ---- Add a connector ----
// The form is generated from the plugin's config JSON Schema: one input per property, a password
// input for each secret field (nothing is ever sent back to fill it), a select for an enum, a
// checkbox for a boolean, a comma-separated list for an array.

function schemaInput(name, prop, secret, required) {
  const id = `config-${name}`;
  const common = { id, name, "data-config": name, required: required || undefined,
                   "aria-describedby": prop.description ? `${id}-help` : undefined };
  let input;
  if (Array.isArray(prop.enum)) {
    input = el("select", common, required ? null : el("option", { value: "" }, "—"),
      prop.enum.map((v) => el("option", { value: String(v) }, String(v))));
  } else if (prop.type === "boolean") {
    input = el("input", { ...common, type: "checkbox", required: undefined });
  } else if (prop.type === "integer" || prop.type === "number") {
    input = el("input", { ...common, type: "number", step: prop.type === "integer" ? "1" : "any" });
  } else {
    input = el("input", { ...common, type: secret ? "password" : "text",
                          autocomplete: secret ? "new-password" : "off",
                          placeholder: prop.type === "array" ? "comma-separated" : undefined });
  }
  const label = el("label", { for: id }, prop.title || name, required ? " *" : "", secret ? " (secret)" : "");
  const help = prop.description ? el("p", { class: "help", id: `${id}-help` }, prop.description) : null;
  return { node: el("div", { class: "field" }, label, input, help), input, prop };
}

function configValue(field) {
  const { input, prop } = field;
  if (prop.type === "boolean") return input.checked ? true : undefined;
  const text = input.value.trim();
  if (text === "") return undefined;
  if (prop.type === "integer" || prop.type === "number") return Number(text);
  if (prop.type === "array") {
    const items = text.split(",").map((t) => t.trim()).filter((t) => t !== "");
    const numeric = prop.items && (prop.items.type === "integer" || prop.items.type === "number");
    return items.map((t) => (numeric ? Number(t) : t));
  }
  return text;
}

async function renderAddConnector() {
  const main = document.getElementById("main");
  main.setAttribute("aria-busy", "true");
  let plugins;
  try {
    plugins = (await api("GET", "/v1/console/plugins")).plugins;
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(el("h1", {}, "Add a connector"), el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const partnerScoped = state.user.role !== "vendor_admin";
  const plugin = el("select", { id: "add-plugin", name: "plugin", required: true },
    plugins.map((p) => el("option", { value: p.id }, `${p.name} (${p.id})`)));
  const id = el("input", { id: "add-id", name: "id", required: true, pattern: "[a-z0-9][a-z0-9_\\-]{0,63}",
                           autocomplete: "off", "aria-describedby": "add-id-help" });
  const partner = el("input", { id: "add-partner", name: "partner", autocomplete: "organization" });
  const partnerId = el("input", { id: "add-partner-id", name: "partner_id", autocomplete: "off",
                                  value: partnerScoped ? state.user.partner_id : "", readonly: partnerScoped || undefined });
  const configFields = el("fieldset", { id: "add-config" });
  const error = el("p", { class: "error", id: "add-error", role: "alert" });
  const submit = el("button", { type: "submit", id: "add-submit" }, "Test and save");
  let fields = [];
  const fillConfig = () => {
    const chosen = plugins.find((p) => p.id === plugin.value);
    const schema = (chosen && chosen.config_schema) || {};
    const required = new Set(schema.required || []);
    const secrets = new Set((chosen ? chosen.secret_fields : []).map((p) => p.slice(1)));
    fields = Object.entries(schema.properties || {}).map(([name, prop]) =>
      ({ name, ...schemaInput(name, prop, secrets.has(name) || prop["x-secret"] === true, required.has(name)) }));
    configFields.replaceChildren(el("legend", {}, chosen ? `${chosen.name} settings` : "Settings"),
      ...fields.map((f) => f.node));
  };
  plugin.addEventListener("change", fillConfig);
  fillConfig();

  const form = el("form", { class: "add-connector", id: "add-connector-form", "aria-labelledby": "add-title" },
    el("div", { class: "field" }, el("label", { for: "add-plugin" }, "Platform"), plugin),
    el("div", { class: "field" }, el("label", { for: "add-id" }, "Connector id *"), id,
      el("p", { class: "help", id: "add-id-help" }, "Lower-case letters, digits, - and _; it names the connector everywhere.")),
    el("div", { class: "field" }, el("label", { for: "add-partner" }, "Partner name"), partner),
    el("div", { class: "field" }, el("label", { for: "add-partner-id" }, "Partner id"), partnerId),
    configFields,
    el("div", { class: "actions" }, submit, el("a", { href: "#/connectors", class: "button secondary" }, "Cancel")),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    submit.textContent = "Testing…";
    error.textContent = "";
    const config = {};
    for (const f of fields) {
      const value = configValue(f);
      if (value !== undefined) config[f.name] = value;
    }
    const body = { id: id.value.trim(), plugin: plugin.value, config };
    if (partner.value.trim()) body.partner = partner.value.trim();
    if (partnerId.value.trim()) body.partner_id = partnerId.value.trim();
    try {
      const doc = await api("POST", "/v1/console/connectors", body);
      for (const f of fields) if (f.input.type === "password") f.input.value = "";
      notify(`${body.id}: added — ${doc.verdict.status}${doc.verdict.message ? " — " + doc.verdict.message : ""}`);
      location.hash = "#/connectors";
    } catch (e) {
      error.textContent = e.message;
      submit.disabled = false;
      submit.textContent = "Test and save";
    }
  });
  show(el("p", {}, el("a", { href: "#/connectors" }, "← Connectors")),
    el("h1", { id: "add-title" }, "Add a connector"),
    el("p", {}, "The credentials are tested against the platform before anything is saved; secret fields are stored encrypted and never shown again."),
    form);
  main.removeAttribute("aria-busy");
  plugin.focus();
}

// ---- Workspace mapping ----

// What a dragged PSA account carries: its id, under a type only this page uses.
const DRAG_TYPE = "application/x-meterbridge-account";

// A mapped PSA account that changed on the platform since it was mapped (the API's `drift`).
function driftBadge(w) {
  const text = {
    account_renamed: `Renamed: ${w.account_name_when_mapped} → ${w.account_name}`,
    // A PSA that lists only active accounts shows a deactivated one as gone, too.
    account_missing: "Not in PSA (deleted or inactive)",
    account_inactive: "Inactive in PSA",
  }[w.drift] || w.drift;
  return el("span", { class: "badge badge-drift", "data-drift": w.drift }, text);
}

function matches(text, search) {
  return text.toLowerCase().includes(search.trim().toLowerCase());
}

async function renderWorkspaces(connector) {
  const main = document.getElementById("main");
  const base = `/v1/connectors/${encodeURIComponent(connector)}`;
  main.setAttribute("aria-busy", "true");
  let doc;
  try {
    doc = await api("GET", `${base}/mappings`);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(el("h1", {}, "Workspace mapping"), el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const view = renderWorkspaces.view[connector] || (renderWorkspaces.view[connector] = { search: "", filter: "all", report: null });
  const workspaces = doc.workspaces;
  const mapped = workspaces.filter((w) => w.state === "mapped").length;
  const excluded = workspaces.filter((w) => w.state === "excluded").length;
  const drifted = workspaces.filter((w) => w.drift).length;
  const reload = () => renderWorkspaces(connector);

  const act = async (method, path, body, done) => {
    try {
      await api(method, path, body);
      if (done) notify(done);
    } catch (e) {
      notify(e.message);
    }
    await reload();
  };

  const search = el("input", { type: "search", id: "workspace-search", value: view.search,
                               "aria-label": "Search workspaces and accounts", placeholder: "Search" });
  const filter = el("select", { id: "workspace-filter", "aria-label": "Show" },
    ["all", "unmapped", "mapped", "excluded", "drift"].map((f) =>
      el("option", { value: f, selected: view.filter === f }, f === "all" ? "All workspaces" : f[0].toUpperCase() + f.slice(1))));
  const auto = el("button", { type: "button", id: "auto-match" }, "Auto-match exact names");
  auto.addEventListener("click", async () => {
    auto.disabled = true;
    try {
      view.report = await api("POST", `${base}/mappings/auto`, {});
      notify(`Auto-match mapped ${view.report.mapped_count}; ${view.report.unmapped_count} stayed unmapped`);
    } catch (e) {
      notify(e.message);
    }
    await reload();
  });

  // Drift shows once the PSA accounts are read again: here, at auto-match, or by a sync's plan
  // (every few hours).
  const refresh = el("button", { type: "button", class: "secondary", id: "refresh-accounts" }, "Refresh PSA accounts");
  refresh.addEventListener("click", async () => {
    refresh.disabled = true;
    try {
      const read = await api("GET", `${base}/accounts?refresh=true`);
      notify(`Read ${read.accounts.filter((a) => !a.missing).length} PSA accounts`);
    } catch (e) {
      notify(e.message);
    }
    await reload();
  });

  const rows = el("tbody");
  const fill = () => {
    const shown = workspaces.filter((w) =>
      (view.filter === "all" || (view.filter === "drift" ? Boolean(w.drift) : w.state === view.filter)) &&
      (matches(w.name, view.search) || matches(w.workspace_id, view.search) || matches(w.account_name || "", view.search)));
    rows.replaceChildren(...shown.map((w) => {
      const drift = w.drift ? driftBadge(w) : null;
      const path = `${base}/mappings/accounts/${encodeURIComponent(w.workspace_id)}`;
      const exclusion = `${base}/exclusions/workspaces/${encodeURIComponent(w.workspace_id)}`;
      const dropAccount = w.state === "excluded" ? null : (e) => {
        e.preventDefault();
        e.currentTarget.classList.remove("drop-target");
        const account = doc.unmapped_accounts.find((a) => a.id === e.dataTransfer.getData(DRAG_TYPE));
        if (account) act("PUT", path, { account_id: account.id }, `${w.name} → ${account.name}`);
      };
      const dragOver = w.state === "excluded" ? null : (e) => {
        if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "link";
        e.currentTarget.classList.add("drop-target");
      };
      return el("tr", { "data-workspace": w.workspace_id, "data-state": w.state,
                        ondragover: dragOver, ondrop: dropAccount,
                        ondragleave: (e) => e.currentTarget.classList.remove("drop-target") },
        el("th", { scope: "row" }, w.name, el("div", { class: "sub" }, w.workspace_id)),
        el("td", { "data-field": "account" }, w.account_name ? w.account_name : "—", drift),
        el("td", { class: "state" }, w.state),
        el("td", { class: "row-actions" },
          w.state !== "excluded" ? el("button", { type: "button", class: "secondary", "data-action": "pick",
            onclick: () => pickAccount(w, doc.unmapped_accounts, (account) =>
              act("PUT", path, { account_id: account.id }, `${w.name} → ${account.name}`)) },
          w.state === "mapped" ? "Change…" : "Map…") : null,
          // Mapping the same account again takes its new name and clears the badge.
          w.drift === "account_renamed" ? el("button", { type: "button", class: "secondary", "data-action": "accept-rename",
            onclick: () => act("PUT", path, { account_id: w.account_id }, `${w.name} → ${w.account_name}`) },
          "Accept new name") : null,
          w.state === "mapped" ? el("button", { type: "button", class: "secondary", "data-action": "unmap",
            onclick: () => act("DELETE", path, undefined, `${w.name} unmapped`) }, "Unmap") : null,
          el("button", { type: "button", class: "secondary", "data-action": w.state === "excluded" ? "include" : "exclude",
            onclick: () => act(w.state === "excluded" ? "DELETE" : "PUT", exclusion, undefined) },
          w.state === "excluded" ? "Include" : "Exclude")));
    }));
  };
  search.addEventListener("input", () => { view.search = search.value; fill(); });
  filter.addEventListener("change", () => { view.filter = filter.value; fill(); });
  fill();

  const report = view.report && view.report.unmapped.length
    ? el("section", { id: "auto-report", "aria-labelledby": "auto-report-title", class: "report" },
        el("h2", { id: "auto-report-title" }, `Auto-match: ${view.report.mapped_count} mapped, ${view.report.unmapped_count} stayed unmapped`),
        el("ul", {}, view.report.unmapped.map((u) => el("li", {}, el("strong", {}, u.name), ` — ${u.reason}`))))
    : null;
  // Drag an account onto a workspace's row to map it; Map… is the keyboard's way to the same.
  const accounts = el("ul", { class: "accounts", id: "unmapped-accounts" },
    doc.unmapped_accounts.map((a) => el("li", {
      "data-account": a.id, draggable: "true", title: "Drag onto a workspace to map it",
      ondragstart: (e) => { e.dataTransfer.setData(DRAG_TYPE, a.id); e.dataTransfer.effectAllowed = "link"; },
    }, a.name, el("span", { class: "sub" }, ` ${a.id}`))));

  show(
    el("p", {}, el("a", { href: "#/connectors" }, "← Connectors")),
    el("h1", {}, `Workspace mapping · ${connector}`),
    el("p", { id: "workspace-counters" },
      `${mapped} of ${workspaces.length - excluded} workspaces mapped · ${excluded} excluded · ${doc.unmapped_accounts.length} PSA accounts unmapped` +
      (drifted ? ` · ${drifted} changed in the PSA` : "")),
    el("div", { class: "toolbar" }, search, filter, auto, refresh),
    report,
    el("div", { class: "mapping" },
      el("table", { class: "workspaces", id: "workspace-table" },
        el("caption", {}, "Vendor workspaces"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Workspace"), el("th", { scope: "col" }, "PSA account"),
          el("th", { scope: "col" }, "State"), el("th", { scope: "col" }, "Actions"))),
        rows),
      el("section", { "aria-labelledby": "accounts-title" }, el("h2", { id: "accounts-title" }, "Unmapped PSA accounts"), accounts)));
  main.removeAttribute("aria-busy");
}
renderWorkspaces.view = {};

// A searchable list of the unmapped PSA accounts in a modal dialog; Enter or a click chooses.
function pickAccount(workspace, accounts, chosen) {
  const dialog = el("dialog", { id: "picker", "aria-labelledby": "picker-title" });
  const search = el("input", { type: "search", id: "picker-search", "aria-label": "Search PSA accounts",
                               placeholder: "Search by name or id", value: "" });
  const list = el("ul", { class: "picker-list", id: "picker-list" });
  const fill = () => list.replaceChildren(...accounts
    .filter((a) => matches(a.name, search.value) || matches(a.id, search.value))
    .map((a) => el("li", {}, el("button", { type: "button", class: "secondary", "data-account": a.id,
      onclick: () => { dialog.close(); dialog.remove(); chosen(a); } }, `${a.name} (${a.id})`))));
  search.addEventListener("input", fill);
  search.addEventListener("keydown", (e) => {
    const first = list.querySelector("button");
    if (e.key === "Enter" && first) { e.preventDefault(); first.click(); }
  });
  fill();
  dialog.append(
    el("h2", { id: "picker-title" }, `Map ${workspace.name} to a PSA account`), search, list,
    el("div", { class: "actions" }, el("button", { type: "button", class: "secondary", id: "picker-cancel",
      onclick: () => { dialog.close(); dialog.remove(); } }, "Cancel")));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  search.focus();
}

// ---- Routing ----

// What the screens in their own modules (services.js, review.js, runs.js, settings.js, alerts.js,
// alertpolicy.js) use of this one.
const ui = { el, show, notify, api, matches, when };

function route() {
  if (!state.user) return;
  document.getElementById("main").focus();
  // The nav link of the screen shown is the current page.
  for (const link of document.querySelectorAll("#nav a")) {
    const screen = link.getAttribute("href");
    if (location.hash.startsWith(screen) || (screen === "#/connectors" && !/^#\/(review|runs|alerts)/.test(location.hash)))
      link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if ([services, review, runs, settings, alertpolicy, alerts].some((screen) => screen.route(location.hash, ui))) return;
  const workspaces = /^#\/connectors\/([^/]+)\/workspaces$/.exec(location.hash);
  if (location.hash === "#/connectors/new") renderAddConnector();
  else if (workspaces) renderWorkspaces(decodeURIComponent(workspaces[1]));
  else renderConnectors();
}

async function start() {
  document.getElementById("sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  try {
    signedIn(await api("GET", "/v1/session"));
  } catch {
    signedOut();
  }
}

start();
