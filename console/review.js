// The Review screen (docs/console.md, "Review"): a dry run of a connector shown line by line —
// workspace, service, PSA account, the platform's current quantity, the vendor's count, the new
// quantity, the delta, the outcome and its full reason with what fixes it — then a real sync, and
// the held lines awaiting approval across every run, approved or dismissed one by one or in bulk.
// Approval goes through POST /v1/runs/{run}/approve, the CLI's own path: it re-plans on today's
// numbers, refuses what went stale, and records the effective date chosen (or the policy's).
//
// Also the line table the Runs screen shows (lineTable, OUTCOME_FIX).
//
// `ui` is the console's helpers from app.js: { el, show, notify, api, matches, when }.

import { liveProgress } from "./runs.js";

// What to do about each outcome (docs/sync.md, "Line outcomes").
export const OUTCOME_FIX = {
  updated: "",
  unchanged: "",
  would_update: "Sync for real to apply it.",
  held: "Approve or dismiss it under Awaiting approval.",
  pending_confirmation: "An earlier write may still land: wait, then retry the run after its grace period.",
  stale: "It changed since it was held: sync again and decide on today's numbers.",
  no_data: "The workspace is not in the latest usage: check the vendor export.",
  not_mapped: "Map the workspace to a PSA account (Workspace mapping).",
  not_linked: "The MSP has not linked this customer on the platform yet.",
  no_contract_line: "Add the service to the account's contract or agreement.",
  ambiguous_contract_line: "Keep one contract line per service per contract.",
  account_inactive: "Reactivate the PSA account, or unmap the workspace.",
  platform_not_mapped: "Map it inside the platform, then sync again.",
  failed: "Fix what the message says, then retry the run (Runs).",
  interrupted: "The next run re-reads the platform and converges.",
};

const number = (v) => (v === null || v === undefined ? "—" : String(v));
const signed = (v) => (v === null || v === undefined ? "—" : v > 0 ? `+${v}` : String(v));

// The quantity the platform bills after this line: the target when it is (or would be) written,
// else what the platform has.
function newQuantity(line) {
  if (["updated", "would_update"].includes(line.outcome)) return line.target;
  if (line.outcome === "held") return null;
  return line.current;
}

// One table row per line, every field in full (never truncated): the reason wraps.
function lineRow(ui, line, accountNames, extra) {
  const { el } = ui;
  const fix = OUTCOME_FIX[line.outcome];
  const decision = line.decision ? ` · ${line.decision.decision}${line.decision.note ? ` (${line.decision.note})` : ""}` : "";
  return el("tr", { "data-line": line.line, "data-outcome": line.outcome },
    extra ? el("td", {}, extra) : null,
    el("td", { "data-label": "Line" }, number(line.line)),
    el("th", { scope: "row", "data-label": "Workspace" }, line.workspace || line.workspace_id),
    el("td", { "data-label": "Service" }, line.service || line.service_id),
    el("td", { "data-label": "PSA account" }, line.account || accountNames.get(line.workspace_id) || line.account_id || "—"),
    el("td", { "data-label": "Current", class: "num" }, number(line.current)),
    el("td", { "data-label": "Vendor", class: "num" }, number(line.target)),
    el("td", { "data-label": "New", class: "num" },
      line.outcome === "held" ? `${number(line.target)} if approved` : number(newQuantity(line))),
    el("td", { "data-label": "Delta", class: "num" }, signed(line.delta)),
    el("td", { "data-label": "Outcome" }, el("span", { class: `outcome outcome-${line.outcome}` }, line.outcome), decision),
    el("td", { "data-label": "Reason", class: "reason-cell", "data-field": "reason" },
      line.message || "", fix ? el("div", { class: "fix" }, fix) : null));
}

export function lineTable(ui, id, caption, lines, accountNames, options = {}) {
  const { el } = ui;
  const headers = ["Line", "Workspace", "Service", "PSA account", "Current", "Vendor", "New", "Delta", "Outcome", "Reason and fix"];
  return el("div", { class: "lines-wrap" },
    el("table", { class: "workspaces lines", id },
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, options.select ? el("th", { scope: "col" }, options.select) : null,
        headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, lines.map((l) => lineRow(ui, l, accountNames, options.extra ? options.extra(l) : null)))));
}

// Workspace -> PSA account name, from the connector's mappings (a run's lines name only the id).
export async function accountNamesOf(ui, connector) {
  try {
    const doc = await ui.api("GET", `/v1/connectors/${encodeURIComponent(connector)}/mappings`);
    return new Map(doc.workspaces.filter((w) => w.account_name).map((w) => [w.workspace_id, w.account_name]));
  } catch {
    return new Map();
  }
}

export function countsText(counts) {
  const entries = Object.entries(counts || {}).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([k, n]) => `${n} ${k}`).join(" · ") : "no lines";
}

// #/review and #/review/{connector}
export function route(hash, ui) {
  const match = /^#\/review(?:\/([^/]+))?$/.exec(hash);
  if (!match) return false;
  renderReview(ui, match[1] ? decodeURIComponent(match[1]) : "");
  return true;
}

const reviewState = { preview: null, connector: "", effectiveDate: "" };

async function renderReview(ui, wanted) {
  const { el, show, api } = ui;
  const main = document.getElementById("main");
  const heading = el("h1", {}, "Review");
  main.setAttribute("aria-busy", "true");
  let connectors, approvals;
  try {
    [connectors, approvals] = await Promise.all([api("GET", "/v1/connectors"), api("GET", "/v1/approvals")]);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(heading, el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const ids = connectors.connectors.map((c) => c.id);
  const connector = ids.includes(wanted) ? wanted : ids[0] || "";
  if (reviewState.connector !== connector) reviewState.preview = null;
  reviewState.connector = connector;
  const accountNames = connector ? await accountNamesOf(ui, connector) : new Map();

  const picker = el("select", { id: "review-connector", "aria-label": "Connector" },
    ids.map((id) => el("option", { value: id, selected: id === connector }, id)));
  picker.addEventListener("change", () => { location.hash = `#/review/${encodeURIComponent(picker.value)}`; });
  const dry = el("button", { type: "button", id: "dry-run", disabled: !connector }, "Preview (dry run)");
  const real = el("button", { type: "button", class: "secondary", id: "sync-real", disabled: !connector }, "Sync now");
  const runSync = async (button, dryRun) => {
    dry.disabled = real.disabled = true;
    button.textContent = dryRun ? "Previewing…" : "Syncing…";
    try {
      const run = await api("POST", `/v1/connectors/${encodeURIComponent(connector)}/sync`, { dry_run: dryRun });
      reviewState.preview = run;
      ui.notify(`${connector}: ${dryRun ? "dry run" : "run"} #${run.id} ${run.state} — ${countsText(run.counts)}`);
    } catch (e) {
      ui.notify(`${connector}: ${e.message}`);
    }
    await renderReview(ui, connector);
  };
  dry.addEventListener("click", () => runSync(dry, true));
  real.addEventListener("click", () => runSync(real, false));

  const progress = el("div", { id: "live-progress", class: "live-progress", "aria-live": "polite" });
  const preview = reviewState.preview;
  const previewSection = preview
    ? el("section", { id: "preview", "aria-labelledby": "preview-title" },
        el("h2", { id: "preview-title" }, `${preview.dry_run ? "Dry run" : "Run"} #${preview.id} · ${connector}`),
        el("p", { id: "preview-summary" }, `${preview.state} · ${countsText(preview.counts)}`,
          preview.effective_date ? ` · effective ${preview.effective_date}` : "",
          " · ", el("a", { href: `#/runs/${preview.id}` }, "every line")),
        preview.lines.length
          ? lineTable(ui, "preview-lines", preview.dry_run ? "What a sync would do (unchanged lines left out)"
            : "What the sync did (unchanged lines left out)", preview.lines, accountNames)
          : el("p", { class: "empty" }, preview.dry_run ? "Nothing would change." : "Nothing changed."),
        preview.notes && preview.notes.length ? el("ul", { class: "notes" }, preview.notes.map((n) => el("li", {}, n))) : null)
    : el("p", { class: "empty", id: "preview" },
        "Preview a dry run to see what a sync would change, line by line. Nothing is written to the platform.");

  show(heading,
    el("div", { class: "toolbar" }, picker, dry, real,
      connector ? el("a", { href: `#/connectors/${encodeURIComponent(connector)}/services` }, "Service mapping") : null),
    progress,
    previewSection,
    awaitingApproval(ui, approvals.approvals, () => renderReview(ui, connector)));
  main.removeAttribute("aria-busy");
  liveProgress(ui, progress);
}

// The held lines of every run the caller reaches, newest run first, with per-line and bulk
// approve/dismiss. The API decides per run, so a bulk action is one request per run.
function awaitingApproval(ui, approvals, reload) {
  const { el, api, notify } = ui;
  const section = el("section", { id: "approvals", "aria-labelledby": "approvals-title" },
    el("h2", { id: "approvals-title" }, `Awaiting approval (${approvals.length})`));
  if (!approvals.length) {
    section.append(el("p", { class: "empty" }, "No held lines await a decision."));
    return section;
  }
  const key = (a) => `${a.run}:${a.line}`;
  const chosen = new Set();
  const decide = async (action, picked) => {
    const byRun = new Map();
    for (const a of picked) byRun.set(a.run, [...(byRun.get(a.run) || []), a.line]);
    const said = [];
    for (const [run, lines] of byRun) {
      try {
        const body = action === "approve" && effective.value ? { lines, effective_date: effective.value } : { lines };
        const doc = await api("POST", `/v1/runs/${run}/${action}`, body);
        said.push(action === "approve"
          ? `run #${run}: approved as run #${doc.id} (${doc.state}, effective ${doc.effective_date || "today"}) — ${countsText(doc.counts)}`
          : `run #${run}: dismissed ${doc.dismissed.length} line(s)`);
      } catch (e) {
        said.push(`run #${run}: ${e.message}`);
      }
    }
    notify(said.join("; "));
    await reload();
  };
  // Empty: the connector's policies.effective_date, as the CLI's `runs approve` without
  // --effective-date. Kept across re-renders, so a bulk decision in steps keeps its date.
  const effective = el("input", { type: "date", id: "effective-date", value: reviewState.effectiveDate });
  effective.addEventListener("change", () => { reviewState.effectiveDate = effective.value; });
  const all = el("input", { type: "checkbox", id: "approvals-all", "aria-label": "Select every held line" });
  const boxes = [];
  const bulkApprove = el("button", { type: "button", id: "approve-selected", disabled: true }, "Approve selected");
  const bulkDismiss = el("button", { type: "button", class: "danger-outline", id: "dismiss-selected", disabled: true }, "Dismiss selected");
  const update = () => {
    bulkApprove.disabled = bulkDismiss.disabled = chosen.size === 0;
    all.checked = chosen.size === approvals.length;
  };
  all.addEventListener("change", () => {
    for (const box of boxes) {
      box.checked = all.checked;
      if (all.checked) chosen.add(box.value); else chosen.delete(box.value);
    }
    update();
  });
  const selectedOnes = () => approvals.filter((a) => chosen.has(key(a)));
  bulkApprove.addEventListener("click", () => { bulkApprove.disabled = true; decide("approve", selectedOnes()); });
  bulkDismiss.addEventListener("click", () => { bulkDismiss.disabled = true; decide("dismiss", selectedOnes()); });
  const extra = (a) => {
    const box = el("input", { type: "checkbox", value: key(a), "data-select": key(a),
                              "aria-label": `Select line ${a.line} of run ${a.run}` });
    box.addEventListener("change", () => { if (box.checked) chosen.add(box.value); else chosen.delete(box.value); update(); });
    boxes.push(box);
    return [box, el("div", { class: "row-actions" },
      el("button", { type: "button", class: "secondary", "data-action": "approve", onclick: () => decide("approve", [a]) }, "Approve"),
      el("button", { type: "button", class: "secondary", "data-action": "dismiss", onclick: () => decide("dismiss", [a]) }, "Dismiss"))];
  };
  const lines = approvals.map((a) => ({ ...a, outcome: "held" }));
  section.append(
    el("p", {}, "Approving re-reads the platform and applies only lines still as they were when held; " +
      "a line that changed since ends stale. The approval's run takes effect on the date below " +
      "(empty: the connector's policy) and records it."),
    el("div", { class: "toolbar" },
      el("label", { for: "effective-date", class: "check" }, "Effective date", effective), bulkApprove, bulkDismiss),
    lineTable(ui, "approval-lines", "Held lines, newest run first", lines, new Map(),
      { select: all, extra: (l) => [el("div", { class: "sub" }, `${l.connector} · run #${l.run}`), ...extra(l)] }));
  return section;
}
