import { afterDeployment, type AzurePolicyDefinitionRef } from "../../policies/lib/after-deployment";
import type { PreviewResult } from "../engine";
import type { PackInfo } from "../pack-client";
import { esc, plural, section, table, type Cell } from "./html";

/**
 * Before and after deployment, side by side: the pack policy that refuses a setting before
 * deployment and the Azure Policy built-ins that keep enforcing it afterwards.
 */
export interface DeploymentPair {
  readonly policy: string;
  readonly severity: string;
  /** Violations of the policy in the previewed stack (undefined without a stack). */
  readonly violations?: number;
  readonly after: readonly AzurePolicyDefinitionRef[];
}

export function buildPairs(pack: PackInfo, preview?: PreviewResult, pairsTable: Readonly<Record<string, readonly AzurePolicyDefinitionRef[]>> = afterDeployment): readonly DeploymentPair[] {
  const violations = new Map<string, number>();
  for (const v of preview?.violations ?? []) violations.set(v.policyName, (violations.get(v.policyName) ?? 0) + 1);
  return pack.policies
    .filter((p) => (pairsTable[p.name] ?? []).length > 0)
    .map((p) => ({ policy: p.name, severity: p.severity, violations: preview ? (violations.get(p.name) ?? 0) : undefined, after: pairsTable[p.name] ?? [] }));
}

function afterCell(refs: readonly AzurePolicyDefinitionRef[]): Cell {
  return {
    html: refs.map((r) => `${esc(r.displayName)} <span class="kind">(${esc(r.kind)} <code>${esc(r.id)}</code>)</span>`).join("<br>"),
  };
}

export function pairsHtml(pairs: readonly DeploymentPair[], stack?: string): string {
  const head = ["Before deployment: pack policy", "Severity", ...(stack === undefined ? [] : [`Verdict (${stack})`]), "After deployment: Azure Policy"];
  const rows: Cell[][] = pairs.map((p) => [
    { html: `<code>${esc(p.policy)}</code>` },
    { text: p.severity },
    ...(p.violations === undefined ? [] : [p.violations === 0 ? { text: "passes", className: "pass" } : { text: plural(p.violations, "violation"), className: "fail" }]),
    afterCell(p.after),
  ]);
  const body =
    pairs.length === 0
      ? `<p class="note">No pack policy has an Azure Policy built-in recorded for after deployment.</p>`
      : table({ caption: "Each control before deployment (the pack) and after it (Azure Policy assignments)", head, rows, rowHeaders: true, className: "pairs" });
  return section("pairs", "Before and after deployment", body);
}
