// Editing a console-added connector's policies and schedule (docs/console.md, "Edit a
// connector"). Connectors declared in the config file are changed in the file, so their cards
// have no Edit. The server checks everything by the config file's own rules and refuses the form
// whole; each problem is shown beside its field.
//
// `ui` is the console's helpers from app.js: { el, show, notify, api }.

const DECREASES = {
  auto: "Write them",
  require_approval: "Hold each for approval",
  never: "Never write them",
};
const EFFECTIVE = {
  today: "Today",
  first_of_month: "First of this month",
  first_of_next_month: "First of next month",
};

// #/connectors/{id}/edit
export function route(hash, ui) {
  const match = /^#\/connectors\/([^/]+)\/edit$/.exec(hash);
  if (!match) return false;
  renderEdit(ui, decodeURIComponent(match[1]));
  return true;
}

// One labelled input with its help and the place its error goes. `path` is the API's name of the
// field ("policies/decreases", "alerts/priorities/high"), which the server's errors use too.
// alertpolicy.js builds its form with it as well.
export function field(ui, path, label, input, help) {
  const { el } = ui;
  const id = "edit-" + path.replaceAll("/", "-");
  const error = el("p", { class: "field-error error", id: `${id}-error`, "data-error-for": path });
  input.id = id;
  input.name = path;
  input.setAttribute("aria-describedby", `${id}-help ${id}-error`);
  const node = input.type === "checkbox"
    ? el("div", { class: "field check" }, input, el("label", { for: id }, label),
      el("p", { class: "help", id: `${id}-help` }, help), error)
    : el("div", { class: "field" }, el("label", { for: id }, label), input,
      el("p", { class: "help", id: `${id}-help` }, help), error);
  return { path, input, error, node };
}

// A refused save: each problem the server named (details.errors, "field: reason") beside its
// field, the first one focused; `error` says nothing was saved, or the message when no field of
// the form is named.
export function showProblems(fields, e, error) {
  const problems = (e.details && e.details.errors) || [];
  let first = null;
  for (const problem of problems) {
    const f = fields.find((candidate) => problem.field === candidate.path || problem.field.startsWith(candidate.path + "/"));
    if (!f) continue;
    f.error.textContent = problem.message;
    f.input.setAttribute("aria-invalid", "true");
    first = first || f;
  }
  error.textContent = first ? "Nothing was saved: see the marked fields." : e.message;
  if (first) first.input.focus();
}

// Clears what showProblems marked.
export function clearProblems(fields, error) {
  for (const f of fields) {
    f.error.textContent = "";
    f.input.removeAttribute("aria-invalid");
  }
  error.textContent = "";
}

function select(ui, options, value) {
  return ui.el("select", {}, Object.entries(options).map(([key, text]) =>
    ui.el("option", { value: key, selected: key === value }, text)));
}

function text(ui, value, attrs = {}) {
  return ui.el("input", { type: "text", value: value === undefined || value === null ? "" : String(value), ...attrs });
}

function checkbox(ui, checked) {
  return ui.el("input", { type: "checkbox", checked: checked || undefined });
}

// A number as typed: a number when it reads as one, otherwise the text itself, so the server
// names the field and says why; nothing when left empty (the default applies).
function numberValue(input) {
  const typed = input.value.trim();
  if (typed === "") return undefined;
  const n = Number(typed);
  return Number.isFinite(n) ? n : typed;
}

async function renderEdit(ui, connector) {
  const { el, show, notify, api } = ui;
  const main = document.getElementById("main");
  const back = el("p", {}, el("a", { href: "#/connectors" }, "← Connectors"));
  const heading = el("h1", { id: "edit-title" }, `Policies and schedule · ${connector}`);
  main.setAttribute("aria-busy", "true");
  let card;
  try {
    const doc = await api("GET", "/v1/console/connectors");
    card = doc.connectors.find((c) => c.id === connector);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(back, heading, el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  main.removeAttribute("aria-busy");
  if (!card) {
    show(back, heading, el("p", { class: "error", role: "alert" }, `No connector '${connector}'.`));
    return;
  }
  if (card.from_config) {
    show(back, heading, el("p", {}, "This connector is declared in the configuration file: its policies and schedule are changed there."));
    return;
  }
  const p = card.settings.policies;
  const s = card.settings.schedule;
  const fields = [
    field(ui, "policies/decreases", "Decreases", select(ui, DECREASES, p.decreases),
      "What to do with a line whose new quantity is below the platform's current one."),
    field(ui, "policies/effective_date", "Effective date", select(ui, EFFECTIVE, p.effective_date),
      "The date quantity changes take effect on the platform."),
    field(ui, "policies/dry_run", "Dry run only", checkbox(ui, p.dry_run),
      "Plan and report every run, never write."),
    field(ui, "policies/hold_drops_to_zero", "Hold drops to zero", checkbox(ui, p.hold_drops_to_zero),
      "Hold for approval a quantity that would go from a positive value to 0."),
    field(ui, "policies/max_change_ratio", "Largest change without approval", text(ui, p.max_change_ratio, { inputmode: "decimal" }),
      "Hold a line when |change| ÷ current exceeds this (e.g. 0.5); empty: no limit."),
    field(ui, "policies/max_decrease_share", "Mass decrease share", text(ui, p.max_decrease_share, { inputmode: "decimal" }),
      "When more than this share of a run's lines would decrease, hold every decrease (0 to 1; 1 turns it off)."),
    field(ui, "policies/mass_decrease_min_lines", "Mass decrease from", text(ui, p.mass_decrease_min_lines, { inputmode: "numeric" }),
      "The share applies only when at least this many lines decrease."),
    field(ui, "policies/unconfirmed_write_grace_seconds", "Unconfirmed write grace (seconds)",
      text(ui, p.unconfirmed_write_grace_seconds, { inputmode: "numeric" }),
      "How long a write whose outcome is unknown holds its line before a run may write it again."),
  ];
  const scheduleFields = [
    field(ui, "schedule/enabled", "Daily sync", checkbox(ui, s.enabled), "Sync every day at the time below."),
    field(ui, "schedule/time", "Time", text(ui, s.time, { placeholder: "HH:MM", autocomplete: "off" }), "Local time, 24-hour HH:MM."),
    field(ui, "schedule/timezone", "Time zone", text(ui, s.timezone, { autocomplete: "off" }), "IANA time zone, e.g. Europe/London."),
    field(ui, "schedule/jitter_minutes", "Jitter (minutes)", text(ui, s.jitter_minutes, { inputmode: "numeric" }),
      "Up to this many minutes later, so connectors do not all start at once."),
  ];
  const all = [...fields, ...scheduleFields];
  const error = el("p", { class: "error", id: "edit-error", role: "alert" });
  const submit = el("button", { type: "submit", id: "edit-submit" }, "Save");
  const form = el("form", { class: "add-connector", id: "edit-connector-form", "aria-labelledby": "edit-title", novalidate: true },
    el("fieldset", {}, el("legend", {}, "Policies"), fields.map((f) => f.node)),
    el("fieldset", {}, el("legend", {}, "Schedule"), scheduleFields.map((f) => f.node)),
    el("div", { class: "actions" }, submit, el("a", { href: "#/connectors", class: "button secondary" }, "Cancel")),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { policies: {}, schedule: {} };
    clearProblems(all, error);
    for (const f of all) {
      const [section, name] = f.path.split("/");
      const value = f.input.type === "checkbox" ? f.input.checked
        : f.input.tagName === "SELECT" || section === "schedule" && name !== "jitter_minutes" ? f.input.value.trim()
          : numberValue(f.input);
      if (value !== undefined) body[section][name] = value;
    }
    submit.disabled = true;
    try {
      await api("PATCH", `/v1/console/connectors/${encodeURIComponent(connector)}`, body);
      notify(`${connector}: policies and schedule saved`);
      location.hash = "#/connectors";
    } catch (e) {
      submit.disabled = false;
      showProblems(all, e, error);
    }
  });
  show(back, heading,
    el("p", {}, `${card.partner || card.id} · ${card.platform}. Checked by the same rules as a connector in the configuration file; nothing is saved unless everything is right.`),
    form);
  fields[0].input.focus();
}
