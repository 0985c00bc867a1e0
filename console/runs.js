// The Runs screen (docs/console.md, "Runs"): every run with its outcome and counts, newest
// first; a run's lines in full, a page at a time; retrying a run's failed lines; a reconcile (a
// dry run read as "which lines differ from the platform"); and the live progress — phase, lines
// done, ETA — of the runs this node is running (started through the API, by the scheduler, or
// queued), polled from GET /v1/console/progress.
//
// `ui` is the console's helpers from app.js: { el, show, notify, api, matches, when }.

import { accountNamesOf, countsText, lineTable } from "./review.js";

const PAGE = 200;        // lines per page of a run
const POLL_MS = 700;     // how often the live progress is asked for while it is on screen

// #/runs and #/runs/{run}
export function route(hash, ui) {
  const list = /^#\/runs$/.exec(hash);
  const one = /^#\/runs\/(\d+)$/.exec(hash);
  if (list) renderRuns(ui);
  else if (one) renderRun(ui, Number(one[1]));
  return Boolean(list || one);
}

function eta(seconds) {
  if (seconds === null || seconds === undefined) return "ETA —";
  const s = Math.round(seconds);
  return `ETA ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// Fills `panel` with the progress of the runs under way and of those that ended in the last
// minute, while the panel is on the page; calls onFinished when a run it saw running has ended.
export function liveProgress(ui, panel, onFinished) {
  const { el, api } = ui;
  const running = new Set();
  const tick = async () => {
    if (!panel.isConnected) return;
    let doc;
    try { doc = await api("GET", "/v1/console/progress"); } catch { doc = { runs: [] }; }
    if (!panel.isConnected) return;
    let ended = false;
    const shown = doc.runs;
    for (const r of doc.runs) {
      if (r.running) running.add(r.id);
      else if (running.delete(r.id)) ended = true;
    }
    panel.replaceChildren(...shown.map((r) => el("div", {
      class: "progress-run", "data-progress": r.id, "data-connector": r.connector, "data-trigger": r.trigger,
      "data-phase": r.phase, "data-running": String(r.running) },
      el("strong", {}, `${r.connector} · ${r.trigger.replace("_", " ")}${r.run ? ` · run #${r.run}` : ""}`),
      el("span", { "data-field": "phase" }, ` ${r.phase}`),
      r.total ? el("progress", { max: r.total, value: r.done, "aria-label": `${r.phase}: ${r.done} of ${r.total} lines` }) : null,
      el("span", { "data-field": "lines" }, r.total ? ` ${r.done}/${r.total} lines` : ""),
      el("span", { "data-field": "eta" }, r.running ? ` · ${eta(r.eta_s)}` : ""),
      r.running ? null : el("span", { class: "sub" }, " · ended"),
      el("span", {}, ` · ${r.elapsed_s.toFixed(1)} s`))));
    if (ended && onFinished) onFinished();
    setTimeout(tick, POLL_MS);
  };
  tick();
}

const runsView = { connector: "" };

async function renderRuns(ui) {
  const { el, show, api, notify, when } = ui;
  const main = document.getElementById("main");
  const heading = el("h1", {}, "Runs");
  main.setAttribute("aria-busy", "true");
  let connectors, runs;
  try {
    const filter = runsView.connector ? `&connector=${encodeURIComponent(runsView.connector)}` : "";
    [connectors, runs] = await Promise.all([api("GET", "/v1/connectors"), api("GET", `/v1/runs?limit=50${filter}`)]);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(heading, el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const picker = el("select", { id: "runs-connector", "aria-label": "Connector" },
    el("option", { value: "" }, "Every connector"),
    connectors.connectors.map((c) => el("option", { value: c.id, selected: c.id === runsView.connector }, c.id)));
  picker.addEventListener("change", () => { runsView.connector = picker.value; renderRuns(ui); });
  const start = async (button, dryRun) => {
    const connector = runsView.connector;
    button.disabled = true;
    try {
      const run = await api("POST", `/v1/connectors/${encodeURIComponent(connector)}/sync`, { dry_run: dryRun });
      notify(`${connector}: ${dryRun ? "reconcile" : "run"} #${run.id} ${run.state} — ${countsText(run.counts)}`);
      if (dryRun) location.hash = `#/runs/${run.id}`;
      else if (location.hash === "#/runs") renderRuns(ui);
    } catch (e) {
      notify(`${connector}: ${e.message}`);
      if (location.hash === "#/runs") renderRuns(ui);
    }
  };
  const sync = el("button", { type: "button", id: "runs-sync", disabled: !runsView.connector }, "Sync now");
  const reconcile = el("button", { type: "button", class: "secondary", id: "runs-reconcile", disabled: !runsView.connector },
    "Reconcile");
  sync.addEventListener("click", () => start(sync, false));
  reconcile.addEventListener("click", () => start(reconcile, true));
  const progress = el("div", { id: "live-progress", class: "live-progress", "aria-live": "polite" });

  const rows = runs.runs.map((r) => el("tr", { "data-run": r.id, "data-state": r.state },
    el("th", { scope: "row", "data-label": "Run" }, el("a", { href: `#/runs/${r.id}` }, `#${r.id}`)),
    el("td", { "data-label": "Connector" }, r.connector),
    el("td", { "data-label": "Trigger" }, r.trigger + (r.dry_run ? " (dry run)" : ""),
      r.parent_run ? el("div", { class: "sub" }, `of run #${r.parent_run}`) : null),
    el("td", { "data-label": "Outcome" }, el("span", { class: `outcome outcome-${r.state}` }, r.state)),
    el("td", { "data-label": "Lines", "data-field": "counts" }, countsText(r.counts)),
    el("td", { "data-label": "Started" }, when(r.started_at)),
    el("td", { "data-label": "Finished" }, when(r.finished_at))));
  show(heading,
    el("div", { class: "toolbar" }, picker, sync, reconcile),
    progress,
    rows.length
      ? el("table", { class: "workspaces", id: "runs-table" },
          el("caption", {}, "Newest first"),
          el("thead", {}, el("tr", {}, ["Run", "Connector", "Trigger", "Outcome", "Lines", "Started", "Finished"]
            .map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, rows))
      : el("p", { class: "empty" }, "No runs yet."));
  main.removeAttribute("aria-busy");
  liveProgress(ui, progress, () => { if (location.hash === "#/runs") renderRuns(ui); });
}

// A line differs from the platform when a sync would change it and the platform holds a value,
// or when it could not be read (as `meterbridge reconcile` counts them).
function differs(line) {
  return (["would_update", "held"].includes(line.outcome) && line.current !== null) || line.outcome === "failed";
}

async function renderRun(ui, id) {
  const { el, show, api, notify, when } = ui;
  const main = document.getElementById("main");
  const back = el("p", {}, el("a", { href: "#/runs" }, "← Runs"));
  main.setAttribute("aria-busy", "true");
  let run;
  try {
    run = await api("GET", `/v1/runs/${id}?limit=${PAGE}`);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(back, el("h1", {}, `Run #${id}`), el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const accountNames = await accountNamesOf(ui, run.connector);
  const lines = [...run.lines];
  let next = run.next_after;
  const onlyAttention = el("input", { type: "checkbox", id: "attention-only" });
  const table = el("div", { id: "run-lines-holder" });
  const more = el("button", { type: "button", class: "secondary", id: "more-lines", hidden: next === undefined }, "More lines");
  const fill = () => {
    const shown = onlyAttention.checked ? lines.filter((l) => l.outcome !== "unchanged") : lines;
    table.replaceChildren(lineTable(ui, "run-lines", `Lines ${lines.length ? `1–${lines[lines.length - 1].line}` : ""} of the run`,
      shown, accountNames));
  };
  onlyAttention.addEventListener("change", fill);
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await api("GET", `/v1/runs/${id}?after=${next}&limit=${PAGE}`);
      lines.push(...page.lines);
      next = page.next_after;
      more.hidden = next === undefined;
      fill();
    } catch (e) {
      notify(e.message);
    }
    more.disabled = false;
  });
  fill();

  const failed = (run.counts && run.counts.failed) || 0;
  const retry = !run.dry_run && failed > 0
    ? el("button", { type: "button", id: "retry-run", onclick: async (e) => {
        e.currentTarget.disabled = true;
        try {
          const doc = await api("POST", `/v1/runs/${id}/retry`, {});
          notify(`retry of run #${id}: run #${doc.id} ${doc.state} — ${countsText(doc.counts)}`);
          location.hash = `#/runs/${doc.id}`;
        } catch (err) {
          notify(err.message);
          renderRun(ui, id);
        }
      } }, `Retry ${failed} failed line${failed === 1 ? "" : "s"}`)
    : null;
  const differing = run.dry_run ? lines.filter(differs) : [];
  // show() takes nodes only: the reconcile section is there for dry runs alone.
  show(...[back,
    el("h1", {}, `Run #${run.id} · ${run.connector}`),
    el("dl", { class: "run-facts", id: "run-facts" },
      el("dt", {}, "Outcome"), el("dd", { "data-field": "state" }, run.state),
      el("dt", {}, "Trigger"), el("dd", {}, run.trigger + (run.dry_run ? " (dry run)" : "")),
      el("dt", {}, "Lines"), el("dd", { "data-field": "counts" }, countsText(run.counts)),
      run.effective_date ? [el("dt", {}, "Effective"), el("dd", { "data-field": "effective" }, run.effective_date)] : null,
      run.parent_run ? [el("dt", {}, "Follows"), el("dd", {}, el("a", { href: `#/runs/${run.parent_run}` }, `run #${run.parent_run}`))] : null,
      el("dt", {}, "Started"), el("dd", {}, when(run.started_at)),
      el("dt", {}, "Finished"), el("dd", {}, when(run.finished_at)),
      run.message ? [el("dt", {}, "Summary"), el("dd", {}, run.message)] : null),
    el("div", { class: "toolbar" }, retry,
      el("label", { for: "attention-only", class: "check" }, onlyAttention, " Only lines that are not unchanged")),
    run.dry_run
      ? el("section", { id: "reconcile", "aria-labelledby": "reconcile-title", class: "report" },
          el("h2", { id: "reconcile-title" }, `Reconcile: ${differing.length} line${differing.length === 1 ? "" : "s"} differ from the platform` +
            (next !== undefined ? " (in the lines loaded so far)" : "")),
          differing.length ? el("ul", {}, differing.map((l) => el("li", { "data-line": l.line },
            `${l.workspace} / ${l.service}: `,
            l.outcome === "failed" ? `could not be read: ${l.message}` : `the platform bills ${l.current}, usage says ${l.target ?? "—"}`)))
            : el("p", {}, "Every line matches the platform."))
      : null,
    table, more].filter(Boolean));
  main.removeAttribute("aria-busy");
}
