import type { PackInfo, PolicyInfo } from "./pack-client";
import type { PreviewResult } from "./engine";

/**
 * The threat matrix of the pack, read from the policies' own metadata (never a hand-kept list):
 * each ATLAS mitigation with the policies that answer it, their NIST AI RMF subcategories and
 * anchor control ids, and, for a previewed stack, how many violations each policy found.
 */
export interface MatrixRow {
  readonly atlas: string;
  readonly policy: string;
  readonly severity: string;
  readonly enforcementLevel: string;
  readonly nist: readonly string[];
  readonly controls: readonly string[];
  /** Violations in the previewed stack (undefined without a stack). */
  readonly violations?: number;
}

export interface Matrix {
  readonly pack: string;
  readonly stack?: string;
  readonly rows: readonly MatrixRow[];
}

const controlPrefixes = ["checkov:", "azure-policy:", "scorecard:", "allstar:", "legitify:"];

function tagged(policy: PolicyInfo, prefix: string): string[] {
  return policy.tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
}

export function buildMatrix(pack: PackInfo, preview?: PreviewResult): Matrix {
  const counts = new Map<string, number>();
  for (const v of preview?.violations ?? []) counts.set(v.policyName, (counts.get(v.policyName) ?? 0) + 1);
  const rows: MatrixRow[] = [];
  for (const p of pack.policies) {
    const atlasIds = (p.framework?.reference ?? "").split(/\s+/).filter(Boolean);
    for (const atlas of atlasIds.length ? atlasIds : ["(unmapped)"]) {
      rows.push({
        atlas,
        policy: p.name,
        severity: p.severity,
        enforcementLevel: p.enforcementLevel,
        nist: tagged(p, "nist-ai-rmf:"),
        controls: p.tags.filter((t) => controlPrefixes.some((c) => t.startsWith(c))),
        violations: preview ? (counts.get(p.name) ?? 0) : undefined,
      });
    }
  }
  rows.sort((a, b) => a.atlas.localeCompare(b.atlas) || a.policy.localeCompare(b.policy));
  return { pack: `${pack.name}@${pack.version}`, stack: preview?.stack, rows };
}

export function matrixMarkdown(m: Matrix): string {
  const withStack = m.stack !== undefined;
  const head = ["ATLAS", "Policy", "Severity", "NIST AI RMF", "Controls", ...(withStack ? [`Violations (${m.stack})`] : [])];
  const lines = [
    `# Threat matrix of ${m.pack}${withStack ? ` for stack ${m.stack}` : ""}`,
    "",
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...m.rows.map(
      (r) =>
        `| ${[r.atlas, `\`${r.policy}\``, r.severity, r.nist.join(", "), r.controls.join(", "), ...(withStack ? [String(r.violations)] : [])].join(" | ")} |`,
    ),
  ];
  return lines.join("\n") + "\n";
}
