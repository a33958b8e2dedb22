import type { PreviewResult, Violation } from "../engine";
import { esc, plural, section, table, type Cell } from "./html";

/** The previewed stack's verdicts: a summary, then every violation, mandatory first. */
const order: Readonly<Record<string, number>> = { mandatory: 0, "remediate": 1, advisory: 2, disabled: 3 };

function resourceOf(v: Violation): string {
  return v.resourceName ? `${v.resourceName} (${v.resourceType})` : v.urn || "(stack)";
}

function row(v: Violation): Cell[] {
  return [
    { text: v.enforcementLevel, className: `level ${v.enforcementLevel}` },
    { text: v.severity || "-" },
    { html: `<code>${esc(v.policyName)}</code>` },
    { text: resourceOf(v) },
    { text: v.frameworks.filter((f) => f.startsWith("AML.")).join(" ") || "-" },
    { text: v.message },
  ];
}

export function verdictsHtml(preview: PreviewResult | undefined): string {
  if (preview === undefined) {
    return section("verdicts", "Stack verdicts", `<p class="note">No stack was previewed: run <code>secure-mlops report --stack ENV --format html</code> to include one.</p>`);
  }
  const mandatory = preview.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const passed = mandatory === 0;
  const verdict = `<p class="verdict ${passed ? "pass" : "fail"}"><strong>${passed ? "Passes" : "Fails"}:</strong> ${esc(preview.stack)} stack, ${esc(plural(preview.resources.length, "resource"))} judged by ${esc(plural(preview.pack.policies.length, "policy", "policies"))}; ${esc(plural(mandatory, "mandatory violation"))}, ${esc(plural(preview.violations.length - mandatory, "other finding"))}.</p>`;
  if (preview.violations.length === 0) return section("verdicts", "Stack verdicts", `${verdict}\n<p>No policy violations.</p>`);
  const sorted = [...preview.violations].sort((a, b) => (order[a.enforcementLevel] ?? 9) - (order[b.enforcementLevel] ?? 9) || a.policyName.localeCompare(b.policyName));
  return section(
    "verdicts",
    "Stack verdicts",
    [verdict, table({ caption: `Violations in the ${preview.stack} stack`, head: ["Enforcement", "Severity", "Policy", "Resource", "ATLAS", "Message"], rows: sorted.map(row), className: "verdicts" })].join("\n"),
  );
}
