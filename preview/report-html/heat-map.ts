import { atlasMitigations } from "../../policies/lib/frameworks";
import type { PreviewResult } from "../engine";
import type { PackInfo, PolicyInfo } from "../pack-client";
import { esc, plural, section, table, type Cell } from "./html";

/**
 * The ATLAS mitigation x service matrix: how many of the pack's policies answer each mitigation
 * for each service, and, for a previewed stack, how many violations they found there.
 */
export interface HeatCell {
  readonly policies: readonly string[];
  /** Violations in the previewed stack (undefined without a stack). */
  readonly violations?: number;
}

export interface HeatMap {
  readonly services: readonly string[];
  readonly mitigations: readonly { readonly id: string; readonly title: string }[];
  /** `cells[m][s]`: mitigation m, service s. */
  readonly cells: readonly (readonly HeatCell[])[];
  readonly max: number;
  readonly stack?: string;
}

/**
 * The service a policy judges, from its name (`azure-<service>-...`, `azuread-...`, `github-...`,
 * `kubernetes-...`: the naming rule of the pack), so a new service needs no list here.
 */
export function serviceOf(policyName: string): string {
  const [family, service] = policyName.split("-");
  if (family === "azure" && service) return service;
  return family ?? policyName;
}

/** Readable column headings; a service missing here shows its name as the policies spell it. */
const serviceLabels: Readonly<Record<string, string>> = {
  containerregistry: "Container Registry",
  containerservice: "AKS",
  machinelearningservices: "Azure ML",
  kubernetesconfiguration: "Cluster extensions",
  keyvault: "Key Vault",
  storage: "Storage",
  security: "Defender",
  monitor: "Diagnostics",
  network: "Private endpoints",
  applicationinsights: "Application Insights",
  operationalinsights: "Log Analytics",
  authorization: "Azure RBAC",
  azuread: "Entra ID",
  github: "GitHub",
  kubernetes: "Kubernetes",
};
export const serviceLabel = (service: string): string => serviceLabels[service] ?? service;

function atlasIdsOf(policy: PolicyInfo): string[] {
  return (policy.framework?.reference ?? "").split(/\s+/).filter(Boolean);
}

export function buildHeatMap(pack: PackInfo, preview?: PreviewResult): HeatMap {
  const services = [...new Set(pack.policies.map((p) => serviceOf(p.name)))];
  const mitigationIds = [...new Set(pack.policies.flatMap(atlasIdsOf))].sort();
  const violations = new Map<string, number>();
  for (const v of preview?.violations ?? []) violations.set(v.policyName, (violations.get(v.policyName) ?? 0) + 1);
  const cells = mitigationIds.map((m) =>
    services.map((s) => {
      const policies = pack.policies.filter((p) => serviceOf(p.name) === s && atlasIdsOf(p).includes(m)).map((p) => p.name);
      return { policies, violations: preview ? policies.reduce((n, p) => n + (violations.get(p) ?? 0), 0) : undefined };
    }),
  );
  return {
    services,
    mitigations: mitigationIds.map((id) => ({ id, title: (atlasMitigations as Record<string, string>)[id] ?? "(not an ATLAS mitigation the pack knows)" })),
    cells,
    max: Math.max(0, ...cells.flat().map((c) => c.policies.length)),
    stack: preview?.stack,
  };
}

/** Five shades over the range; level 0 is an empty cell. The count is always printed beside the shade. */
export function heatLevel(count: number, max: number): number {
  return count === 0 || max === 0 ? 0 : Math.max(1, Math.ceil((5 * count) / max));
}

/** The counts a shade stands for, as the legend prints them (undefined when no count maps to it). */
export function levelRange(level: number, max: number): string | undefined {
  if (level === 0) return "0";
  const low = Math.floor(((level - 1) * max) / 5) + 1;
  const high = Math.floor((level * max) / 5);
  if (low > high) return undefined;
  return low === high ? String(low) : `${low}-${high}`;
}

function cell(c: HeatCell, max: number): Cell {
  const n = c.policies.length;
  const violated = (c.violations ?? 0) > 0;
  const flag = violated ? `<span class="violations">${esc(plural(c.violations ?? 0, "violation"))}</span>` : "";
  return {
    html: `<span class="count" title="${esc(c.policies.join("\n"))}">${n}</span>${flag}`,
    className: `heat h${heatLevel(n, max)}${violated ? " violated" : ""}`,
  };
}

export function heatMapHtml(h: HeatMap): string {
  const totals = h.services.map((_, s) => new Set(h.cells.flatMap((row) => row[s]?.policies ?? [])).size);
  const rows: Cell[][] = h.mitigations.map((m, i) => [
    { html: `<span class="id">${esc(m.id)}</span> ${esc(m.title)}` },
    ...(h.cells[i] ?? []).map((c) => cell(c, h.max)),
  ]);
  rows.push([{ text: "Policies per service" }, ...totals.map((n) => ({ text: String(n), className: "total" }))]);
  const legend = [0, 1, 2, 3, 4, 5]
    .map((l) => ({ l, range: levelRange(l, h.max) }))
    .filter(({ range }) => range !== undefined)
    .map(({ l, range }) => `<li><span class="swatch heat h${l}" aria-hidden="true"></span>${esc(range ?? "")}</li>`)
    .join("");
  return section(
    "heat-map",
    "ATLAS mitigations by service",
    [
      `<p>Each cell counts the pack's policies that answer an ATLAS mitigation for a service (a policy may answer several mitigations).${
        h.stack === undefined ? "" : ` Cells marked with violations are where the ${esc(h.stack)} stack failed those policies.`
      }</p>`,
      `<ul class="legend" aria-label="Shades by number of policies">${legend}</ul>`,
      `<div class="scroll">`,
      table({ caption: `Policies per ATLAS mitigation and service${h.stack === undefined ? "" : `, with the ${h.stack} stack's violations`}`, head: ["ATLAS mitigation", ...h.services.map(serviceLabel)], rows, rowHeaders: true, className: "heat-map" }),
      `</div>`,
    ].join("\n"),
  );
}
