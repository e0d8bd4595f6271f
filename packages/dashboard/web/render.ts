// The page as HTML strings from the model: nested domain boxes, hosts with one cell per GPU
// coloured by the gang holding it (grey when free), and the gang lists. Past HEAT_GPUS GPUs a host
// is one heat cell (shaded by use) so 10,000 GPUs still fit a screen.
import type { DashboardModel, DomainView, GangView, HostView, PodView } from "../src/model.js";

export const HEAT_GPUS = 2048;

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => ESC[c] ?? c);

export const gangColour = (g: GangView | undefined): string =>
  g ? `hsl(${g.hue} 62% ${g.lightness}%)` : "hsl(0 0% 45%)";

function slot(m: DashboardModel, pi: number): string {
  if (pi < 0) return '<i class="g free"></i>';
  const p = m.pods[pi];
  const g = p && p.gang >= 0 ? m.gangs[p.gang] : undefined;
  return `<i class="g" data-pod="${pi}" data-gang="${esc(g?.name ?? "")}" style="background:${gangColour(g)}"></i>`;
}

function host(m: DashboardModel, h: HostView, heat: boolean): string {
  const used = h.slots.filter((s) => s >= 0).length;
  const cls = `host${h.cordoned ? " cordoned" : ""}${h.gpus === 0 ? " cpu" : ""}`;
  if (heat) {
    const f = h.gpus > 0 ? used / h.gpus : 0;
    return `<i class="heat${h.cordoned ? " cordoned" : ""}" data-node="${esc(h.name)}" data-used="${used}" data-gpus="${h.gpus}" style="background:hsl(210 70% ${92 - f * 62}%)"></i>`;
  }
  const others = h.others
    .map((pi) => {
      const p = m.pods[pi];
      const g = p && p.gang >= 0 ? m.gangs[p.gang] : undefined;
      return `<i class="o" data-pod="${pi}" data-gang="${esc(g?.name ?? "")}" style="background:${gangColour(g)}"></i>`;
    })
    .join("");
  const label = h.gpus > 0 ? `${used}/${h.gpus}` : `${h.others.length} pods`;
  return `<div class="${cls}" data-node="${esc(h.name)}" data-free="${h.gpus - used}"><div class="hl">${esc(h.name)} <span>${label}</span></div><div class="gs">${h.slots.map((s) => slot(m, s)).join("")}${others}</div></div>`;
}

function domain(m: DashboardModel, d: DomainView, heat: boolean): string {
  const kids =
    d.domains.map((c) => domain(m, c, heat)).join("") + d.hosts.map((h) => host(m, h, heat)).join("");
  if (d.level === "cluster") return kids;
  const free = d.gpus - d.usedGpus;
  const what = d.gpus > 0 ? `${free} of ${d.gpus} GPUs free` : "no GPUs";
  // Heat mode: the narrowest domains (racks) are bare tiles of heat cells, named on hover.
  if (heat && d.domains.length === 0)
    return `<div class="dom compact lvl-${esc(d.level)}" data-level="${esc(d.level)}" data-domain="${esc(d.name)}" title="${esc(d.level)} ${esc(d.name)}: ${what}"><div class="dk heatmap">${kids}</div></div>`;
  return `<div class="dom lvl-${esc(d.level)}" data-level="${esc(d.level)}" data-domain="${esc(d.name)}"><div class="dl">${esc(d.level)} <b>${esc(d.name)}</b> <span>${what}</span></div><div class="dk${heat ? " heatmap" : ""}">${kids}</div></div>`;
}

export function topologyHtml(m: DashboardModel): string {
  const heat = m.totals.gpus > HEAT_GPUS;
  return domain(m, m.root, heat) || '<p class="empty">No nodes.</p>';
}

const gangLine = (g: GangView): string =>
  `PCS ${esc(g.pcs || "-")} · priority ${g.priority}${g.priorityClassName ? ` (${esc(g.priorityClassName)})` : ""} · queue ${esc(g.queue || "-")}`;

export function pendingHtml(m: DashboardModel): string {
  const pending = m.gangs.filter((g) => g.pending);
  if (pending.length === 0) return '<p class="empty">None.</p>';
  return pending
    .map(
      (g) =>
        `<div class="pend" data-gang="${esc(g.name)}"><div><i class="sw" style="background:${gangColour(g)}"></i><b>${esc(g.namespace)}/${esc(g.name)}</b></div><div class="meta">${gangLine(g)} · ${g.pods} pods, ${g.gpus} GPUs</div><ul>${(g.reasons.length ? g.reasons : ["waiting for the scheduler"]).map((r) => `<li>${esc(r)}</li>`).join("")}</ul></div>`,
    )
    .join("");
}

export function gangsHtml(m: DashboardModel): string {
  const placed = m.gangs.filter((g) => !g.pending);
  if (placed.length === 0) return '<p class="empty">None.</p>';
  return placed
    .map(
      (g) =>
        `<div class="gang" data-gang="${esc(g.name)}"><i class="sw" style="background:${gangColour(g)}"></i>${esc(g.name)} <span>${g.gpus} GPUs on ${g.nodes.length} node${g.nodes.length === 1 ? "" : "s"}</span></div>`,
    )
    .join("");
}

export function totalsHtml(m: DashboardModel): string {
  const t = m.totals;
  return `${t.nodes} nodes · ${t.usedGpus} of ${t.gpus} GPUs used · ${t.gangs} gangs, ${t.pending} pending${m.topology ? ` · topology ${esc(m.topology)} (${m.levels.map(esc).join(" > ")} > host)` : ""}`;
}

/** The tooltip's text for a pod. */
export function podTip(m: DashboardModel, p: PodView): string {
  const g = p.gang >= 0 ? m.gangs[p.gang] : undefined;
  return [
    `<b>${esc(p.namespace)}/${esc(p.name)}</b>`,
    `PodCliqueSet: ${esc(p.pcs || "-")}`,
    `clique: ${esc(p.clique || "-")}`,
    `PodGang: ${esc(g?.name ?? "-")}`,
    `priority: ${p.priority}${g?.priorityClassName ? ` (${esc(g.priorityClassName)})` : ""}`,
    `queue: ${esc(p.queue || "-")}`,
    `node: ${esc(p.node || "-")} · ${p.gpus} GPUs · ${esc(p.phase)}`,
  ]
    .map((l) => `<div>${l}</div>`)
    .join("");
}

export function gangTip(g: GangView): string {
  return [
    `<b>${esc(g.namespace)}/${esc(g.name)}</b>`,
    `PodCliqueSet: ${esc(g.pcs || "-")}`,
    `priority: ${g.priority}${g.priorityClassName ? ` (${esc(g.priorityClassName)})` : ""} · queue: ${esc(g.queue || "-")}`,
    `${g.pods} pods, ${g.gpus} GPUs${g.nodes.length ? ` on ${g.nodes.map(esc).join(", ")}` : ""}`,
    ...(g.pending ? g.reasons.map(esc) : []),
  ]
    .map((l) => `<div>${l}</div>`)
    .join("");
}
