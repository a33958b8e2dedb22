import type { PreviewResult, Violation } from "./engine";

/** The `--json` document of `secure-mlops preview` (a documented, tested shape). */
export interface PreviewJson {
  readonly resources: { urn: string; type: string; name: string; parent: string | null }[];
  readonly violations: {
    policyName: string;
    urn: string;
    message: string;
    enforcementLevel: string;
    severity: string;
    frameworks: string[];
  }[];
}

export function toJson(result: PreviewResult): PreviewJson {
  return {
    resources: result.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent ?? null })),
    violations: result.violations.map((v) => ({
      policyName: v.policyName,
      urn: v.urn,
      message: v.message,
      enforcementLevel: v.enforcementLevel,
      severity: v.severity,
      frameworks: [...v.frameworks],
    })),
  };
}

/** The resource tree as Pulumi prints it: children indented under their parent. */
export function renderTree(result: PreviewResult): string {
  const children = new Map<string, PreviewResult["resources"][number][]>();
  const roots: PreviewResult["resources"][number][] = [];
  const known = new Set(result.resources.map((r) => r.urn));
  for (const r of result.resources) {
    if (r.parent && known.has(r.parent)) {
      const list = children.get(r.parent) ?? [];
      list.push(r);
      children.set(r.parent, list);
    } else roots.push(r);
  }
  const flagged = new Set(result.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.urn));
  const lines: string[] = [];
  const walk = (r: PreviewResult["resources"][number], depth: number): void => {
    const mark = flagged.has(r.urn) ? "  [mandatory violation]" : "";
    lines.push(`${"  ".repeat(depth)}+ ${r.type}  ${r.name}${mark}`);
    for (const c of children.get(r.urn) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines.join("\n");
}

function row(v: Violation): string[] {
  const resource = v.resourceName ? `${v.resourceName} (${v.resourceType})` : v.urn || "(stack)";
  return [v.enforcementLevel, v.severity || "-", v.policyName, resource, v.frameworks.filter((f) => f.startsWith("AML.")).join(" ") || "-", v.message];
}

/** A plain-text table of violations, mandatory first. */
export function renderViolations(violations: readonly Violation[]): string {
  if (violations.length === 0) return "No policy violations.";
  const order = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 } as const;
  const sorted = [...violations].sort(
    (a, b) => order[a.enforcementLevel] - order[b.enforcementLevel] || a.policyName.localeCompare(b.policyName),
  );
  const header = ["ENFORCEMENT", "SEVERITY", "POLICY", "RESOURCE", "ATLAS", "MESSAGE"];
  const rows = sorted.map(row);
  const widths = header.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i] ?? 0) : c)).join("  ").trimEnd();
  return [fmt(header), ...rows.map(fmt)].join("\n");
}

/** The report; `subject` says what was judged ("Previewing p/s offline", "Auditing p/s as deployed in FILE"). */
export function renderText(result: PreviewResult, subject = `Previewing ${result.project}/${result.stack} offline`): string {
  const mandatory = result.mandatoryCount;
  const advisory = result.violations.filter((v) => v.enforcementLevel === "advisory").length;
  return [
    `${subject} with policy pack ${result.pack.name}@${result.pack.version} (${result.pack.policies.length} policies)`,
    "",
    renderTree(result),
    "",
    renderViolations(result.violations),
    "",
    `${result.resources.length} resources; ${mandatory} mandatory and ${advisory} advisory violations.`,
  ].join("\n");
}

const sarifLevel = { mandatory: "error", remediate: "error", advisory: "warning", disabled: "none" } as const;

/** SARIF 2.1.0 for GitHub code scanning: one rule per policy, one result per violation. */
export function toSarif(result: PreviewResult, programFile: string): Record<string, unknown> {
  const rules = result.pack.policies.map((p) => ({
    id: p.name,
    name: p.name,
    shortDescription: { text: p.description },
    fullDescription: { text: p.description },
    help: { text: p.remediationSteps || p.description },
    properties: {
      tags: [...p.tags],
      "security-severity": { low: "3.0", medium: "5.5", high: "8.0", critical: "9.5", "": "5.0" }[p.severity],
    },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "secure-mlops",
            informationUri: "https://www.npmjs.com/package/secure-mlops",
            semanticVersion: result.pack.version,
            rules,
          },
        },
        results: result.violations.map((v) => ({
          ruleId: v.policyName,
          ruleIndex: index.get(v.policyName) ?? -1,
          level: sarifLevel[v.enforcementLevel],
          message: { text: `${v.message} (${v.resourceName || "stack"}: ${v.urn})` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: programFile } },
              logicalLocations: [{ name: v.resourceName || v.urn, fullyQualifiedName: v.urn, kind: "resource" }],
            },
          ],
          partialFingerprints: { "secure-mlops/v1": `${v.policyName}|${v.urn}` },
        })),
      },
    ],
  };
}
