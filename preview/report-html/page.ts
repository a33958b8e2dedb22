import type { PreviewResult } from "../engine";
import { buildMatrix } from "../matrix";
import type { PackInfo } from "../pack-client";
import { buildCoverage, coverageHtml, type AnchorCoverage } from "./coverage";
import { buildHeatMap, heatMapHtml, type HeatMap } from "./heat-map";
import { esc, plural, section, table } from "./html";
import { buildPairs, pairsHtml } from "./pairs";
import { verdictsHtml } from "./verdicts";

/**
 * The HTML report: one self-contained page (no external CSS, script or font, so it opens offline
 * and prints as it shows), composed of one section per view.
 */
const style = `
:root{--ink:#1a1a1a;--muted:#555;--line:#b8b8b8;--h0:#ffffff;--h1:#e8f1fb;--h2:#c6dcf3;--h3:#94bde8;--h4:#5b97d6;--h5:#2b6cb0;--fail:#b00020;--pass:#1b6e2a}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:1400px;padding:1.5rem;line-height:1.4}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.25rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
.sub{color:var(--muted);margin:0 0 1rem}
dl.figures{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}dl.figures div{border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem;min-width:9rem}
dl.figures dt{font-size:.8rem;color:var(--muted)}dl.figures dd{margin:0;font-size:1.3rem;font-weight:600}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;padding:0}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}
code{font-size:.8rem;word-break:break-all}
.scroll{overflow-x:auto}
.heat-map td{text-align:center;vertical-align:middle;min-width:3.2rem}.heat-map th[scope=row]{min-width:11rem;font-weight:normal}.heat-map thead th{font-size:.75rem;vertical-align:bottom}.heat-map td,.heat-map th{padding:.3rem .35rem}
.heat-map .id{font-weight:600}
.coverage code.id{font-weight:600;white-space:nowrap;word-break:normal}.coverage th[scope=row]{min-width:16rem;max-width:28rem;font-weight:normal}.title{font-size:.8rem;color:var(--muted)}
.heat .count{font-weight:700;font-size:1rem}
.heat .violations{display:block;font-size:.7rem;font-weight:700;color:var(--fail)}
.heat.violated{outline:3px solid var(--fail);outline-offset:-3px}
.h0{background:var(--h0);color:#888}.h1{background:var(--h1)}.h2{background:var(--h2)}.h3{background:var(--h3)}.h4{background:var(--h4);color:#fff}.h5{background:var(--h5);color:#fff}
.h4 .violations,.h5 .violations{color:#fff;text-decoration:underline}
.legend{list-style:none;display:flex;gap:1rem;padding:0;font-size:.8rem}.legend li{display:flex;align-items:center;gap:.3rem}
.swatch{display:inline-block;width:1.2rem;height:1rem;border:1px solid var(--line)}
.total{font-weight:700;text-align:center}
.num{text-align:right;white-space:nowrap}
.status.covered,.pass{color:var(--pass);font-weight:600}.status.not-judged{color:var(--muted)}.status.not-mapped,.fail{color:var(--fail);font-weight:600}
.verdict{font-size:1.05rem;padding:.5rem .8rem;border-left:6px solid}.verdict.pass{border-color:var(--pass)}.verdict.fail{border-color:var(--fail)}
.level.mandatory{font-weight:700;color:var(--fail)}
.kind{color:var(--muted);font-size:.8rem}
.note{color:var(--muted)}
@media print{
  @page{size:A4 landscape;margin:12mm}
  body{max-width:none;padding:0;font-size:10pt}
  .scroll{overflow:visible}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  nav{display:none}
  thead{display:table-header-group}
  tr,dl.figures div{break-inside:avoid}
  h2{break-after:avoid}
  section#coverage,section#policies{break-before:page}
  table.heat-map{break-inside:avoid}
  a{color:inherit;text-decoration:none}
}`;

function figures(pack: PackInfo, preview: PreviewResult | undefined, heat: HeatMap, coverage: readonly AnchorCoverage[]): string {
  const covered = (anchor: string): string => String(coverage.find((c) => c.anchor === anchor)?.rows.filter((r) => r.status === "covered").length ?? 0);
  const items: [string, string][] = [
    ["Policies", String(pack.policies.length)],
    ["ATLAS mitigations", String(heat.mitigations.length)],
    ["Services", String(heat.services.length)],
    ["Checkov ids", covered("Checkov")],
    ["Azure Policy ids", covered("Azure Policy")],
    ["Scorecard ids", covered("OpenSSF Scorecard")],
    ...(preview ? ([[`Violations (${preview.stack})`, String(preview.violations.length)]] as [string, string][]) : []),
  ];
  return `<dl class="figures">${items.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join("")}</dl>`;
}

function policiesAppendix(pack: PackInfo, preview: PreviewResult | undefined): string {
  const m = buildMatrix(pack, preview);
  const withStack = m.stack !== undefined;
  const head = ["ATLAS", "Policy", "Severity", "NIST AI RMF", "Controls", ...(withStack ? [`Violations (${m.stack})`] : [])];
  const rows = m.rows.map((r) => [r.atlas, r.policy, r.severity, r.nist.join(", "), r.controls.join(", "), ...(withStack ? [String(r.violations)] : [])].map((text) => ({ text })));
  return section("policies", "Every policy by ATLAS mitigation", table({ caption: `${plural(m.rows.length, "row")}: each policy once per ATLAS mitigation it answers`, head, rows, className: "policies" }));
}

export function reportHtml(pack: PackInfo, preview?: PreviewResult): string {
  const packName = `${pack.name}@${pack.version}`;
  const title = `${packName} threat report${preview ? ` for stack ${preview.stack}` : ""}`;
  const heat = buildHeatMap(pack, preview);
  const coverage = buildCoverage(pack);
  const views = [heatMapHtml(heat), verdictsHtml(preview), pairsHtml(buildPairs(pack, preview), preview?.stack), coverageHtml(coverage), policiesAppendix(pack, preview)];
  const nav = [
    ["heat-map", "Mitigations by service"],
    ["verdicts", "Stack verdicts"],
    ["pairs", "Before / after deployment"],
    ["coverage", "Coverage"],
    ["policies", "Every policy"],
  ]
    .map(([id, label]) => `<li><a href="#${id}">${esc(label ?? "")}</a></li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${style}</style></head>
<body>
<header><h1>${esc(title)}</h1>
<p class="sub">MITRE ATLAS mitigations and NIST AI RMF subcategories, read from the policies' own metadata.</p>
${figures(pack, preview, heat, coverage)}
<nav aria-label="Sections"><ul>${nav}</ul></nav></header>
<main>
${views.join("\n")}
</main>
</body></html>
`;
}
