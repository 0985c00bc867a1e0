// The Service mapping screen (docs/console.md, "Service mapping"): each vendor module beside the
// PSA service or product it is billed as, and the metric it counts. The metric is always chosen
// by the admin — users or devices, never a default — so a module is never billed per user by
// accident. PSA services are searched by name or by id (a ConnectWise product id, an Autotask
// service id), as Gradient's own pages do.
//
// `ui` is the console's helpers from app.js: { el, show, notify, api, matches }.

const METRIC_TEXT = { users: "per user", devices: "per device" };

// #/connectors/{id}/services
export function route(hash, ui) {
  const match = /^#\/connectors\/([^/]+)\/services$/.exec(hash);
  if (!match) return false;
  renderServices(ui, decodeURIComponent(match[1]));
  return true;
}

async function renderServices(ui, connector) {
  const { el, show, notify, api, matches } = ui;
  const main = document.getElementById("main");
  const base = `/v1/connectors/${encodeURIComponent(connector)}`;
  const heading = el("h1", {}, `Service mapping · ${connector}`);
  const back = el("p", {}, el("a", { href: "#/connectors" }, "← Connectors"));
  main.setAttribute("aria-busy", "true");
  let mappings, psa;
  try {
    // The PSA's services come from the platform (or its cached list): the slower of the two.
    [mappings, psa] = await Promise.all([api("GET", `${base}/mappings`), api("GET", `${base}/services`)]);
  } catch (e) {
    main.removeAttribute("aria-busy");
    if (e.status !== 401) show(back, heading, el("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const view = renderServices.view[connector] || (renderServices.view[connector] = { search: "" });
  const reload = () => renderServices(ui, connector);
  const act = async (method, path, body, done) => {
    try {
      await api(method, path, body);
      notify(done);
    } catch (e) {
      notify(e.message);
    }
    await reload();
  };

  const rows = [
    ...mappings.services.map((m) => ({ ...m, state: "mapped" })),
    ...mappings.unmapped_services.map((m) => ({ ...m, state: "unmapped" })),
  ].sort((a, b) => a.service.localeCompare(b.service));
  const psaName = new Map(psa.services.map((s) => [s.id, s.name]));

  const body = el("tbody");
  const search = el("input", { type: "search", id: "service-search", value: view.search,
                               "aria-label": "Search modules and PSA services", placeholder: "Search by name or id" });
  const fill = () => body.replaceChildren(...rows
    .filter((r) => [r.service, r.service_id, r.psa_service || "", r.psa_service_id || ""].some((t) => matches(t, view.search)))
    .map((r) => {
      const path = `${base}/mappings/services/${encodeURIComponent(r.service_id)}`;
      const choose = () => pickPsaService(ui, r, psa.services, (chosen, metric) =>
        act("PUT", path, { psa_service_id: chosen.id, metric },
          `${r.service} → ${chosen.name} (${METRIC_TEXT[metric]})`));
      return el("tr", { "data-service": r.service_id, "data-state": r.state },
        el("th", { scope: "row" }, r.service, el("div", { class: "sub" }, r.service_id)),
        el("td", { "data-field": "psa-service" }, r.state === "mapped"
          ? [psaName.get(r.psa_service_id) || r.psa_service || r.psa_service_id, el("div", { class: "sub" }, r.psa_service_id)]
          : "—"),
        el("td", { "data-field": "metric" }, r.state === "mapped" ? METRIC_TEXT[r.metric] || r.metric : "—"),
        el("td", { class: "row-actions" },
          el("button", { type: "button", class: "secondary", "data-action": "pick", onclick: choose },
            r.state === "mapped" ? "Change…" : "Map…"),
          r.state === "mapped" ? el("button", { type: "button", class: "secondary", "data-action": "unmap",
            onclick: () => act("DELETE", path, undefined, `${r.service} unmapped`) }, "Unmap") : null));
    }));
  search.addEventListener("input", () => { view.search = search.value; fill(); });
  fill();

  const mapped = mappings.services.length;
  show(back, heading,
    el("p", { id: "service-counters" },
      `${mapped} of ${rows.length} modules mapped · ${psa.services.length} PSA services`),
    el("div", { class: "toolbar" }, search,
      el("a", { href: `#/connectors/${encodeURIComponent(connector)}/workspaces` }, "Workspace mapping"),
      el("a", { href: `#/review/${encodeURIComponent(connector)}` }, "Review a dry run")),
    el("div", { class: "mapping" },
      el("table", { class: "workspaces", id: "service-table" },
        el("caption", {}, "Vendor modules"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Module"), el("th", { scope: "col" }, "PSA service"),
          el("th", { scope: "col" }, "Metric"), el("th", { scope: "col" }, "Actions"))),
        body),
      el("section", { "aria-labelledby": "psa-services-title" },
        el("h2", { id: "psa-services-title" }, "PSA services"),
        el("ul", { class: "accounts", id: "psa-services" }, psa.services.map((s) =>
          el("li", { "data-psa-service": s.id }, s.name, el("span", { class: "sub" }, ` ${s.id}`)))))));
  main.removeAttribute("aria-busy");
}
renderServices.view = {};

// A dialog: search the PSA's services by name or id, choose one, choose the metric (no default),
// then Map. Escape or Cancel changes nothing.
function pickPsaService(ui, row, services, chosen) {
  const { el, matches } = ui;
  let picked = services.find((s) => s.id === row.psa_service_id) || null;
  const dialog = el("dialog", { id: "service-picker", "aria-labelledby": "service-picker-title" });
  const search = el("input", { type: "search", id: "service-picker-search", "aria-label": "Search PSA services",
                               placeholder: "Search by name or product id" });
  const list = el("ul", { class: "picker-list", id: "service-picker-list" });
  const selected = el("p", { id: "service-picker-chosen" });
  const metricName = `metric-${row.service_id}`;
  const metrics = ["users", "devices"].map((m) => el("label", { class: "metric-choice" },
    el("input", { type: "radio", name: metricName, value: m, "data-metric": m,
                  // A mapping being changed keeps its metric; a new one has none until chosen.
                  checked: row.state === "mapped" && row.metric === m }),
    ` ${m === "users" ? "Users" : "Devices"}`));
  const ok = el("button", { type: "button", id: "service-picker-ok" }, "Map");
  const metricChosen = () => dialog.querySelector(`input[name="${metricName}"]:checked`);
  const refresh = () => {
    selected.textContent = picked ? `PSA service: ${picked.name} (${picked.id})` : "Choose a PSA service.";
    ok.disabled = !picked || !metricChosen();
  };
  const close = () => { dialog.close(); dialog.remove(); };
  const fill = () => list.replaceChildren(...services
    .filter((s) => matches(s.name, search.value) || matches(s.id, search.value))
    .map((s) => el("li", {}, el("button", {
      type: "button", class: "secondary", "data-psa-service": s.id, "aria-pressed": picked && picked.id === s.id ? "true" : "false",
      onclick: () => { picked = s; fill(); refresh(); (metricChosen() ? ok : dialog.querySelector("input[type=radio]")).focus(); },
    }, `${s.name} (${s.id})`))));
  search.addEventListener("input", fill);
  search.addEventListener("keydown", (e) => {
    const first = list.querySelector("button");
    if (e.key === "Enter" && first) { e.preventDefault(); first.click(); }
  });
  dialog.addEventListener("change", refresh);
  ok.addEventListener("click", () => {
    const metric = metricChosen();
    if (!picked || !metric) return;
    close();
    chosen(picked, metric.value);
  });
  fill();
  refresh();
  dialog.append(
    el("h2", { id: "service-picker-title" }, `Map ${row.service} to a PSA service`), search, list, selected,
    el("fieldset", { class: "metrics" }, el("legend", {}, "Count"), metrics),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "secondary", id: "service-picker-cancel", onclick: close }, "Cancel"), ok));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  search.focus();
}
