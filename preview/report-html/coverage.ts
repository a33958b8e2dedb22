import { azurePolicyNames } from "../../policies/lib/azure-policy-names";
import { tagPrefix } from "../../policies/lib/frameworks";
import { checkovGithub, notJudged, scorecardBranchProtection } from "../../policies/lib/github-controls";
import type { PackInfo } from "../pack-client";
import { esc, plural, section, table, type Cell } from "./html";

/**
 * Coverage of the anchors' control ids: which ids the pack's policies name in their metadata, out
 * of the ids the project itself lists (Azure Policy display names, the GitHub tools' tables). Ids a
 * policy names but no list holds still count as covered; listed ids no policy names are shown with
 * the reason the project gives (`notJudged`), or as not mapped.
 */
export type CoverageStatus = "covered" | "not judged" | "not mapped";

export interface CoverageRow {
  readonly id: string;
  readonly title?: string;
  readonly policies: readonly string[];
  readonly status: CoverageStatus;
  readonly reason?: string;
}

export interface AnchorCoverage {
  readonly anchor: string;
  /** How many ids the project lists for this anchor. */
  readonly listed: number;
  readonly rows: readonly CoverageRow[];
}

interface Anchor {
  readonly anchor: string;
  readonly prefix: string;
  readonly titles: Readonly<Record<string, string>>;
}

const anchors: readonly Anchor[] = [
  { anchor: "Checkov", prefix: tagPrefix.checkov, titles: checkovGithub },
  { anchor: "Azure Policy", prefix: tagPrefix.azurePolicy, titles: azurePolicyNames },
  { anchor: "OpenSSF Scorecard", prefix: tagPrefix.scorecard, titles: scorecardBranchProtection },
];

function coverageOf(pack: PackInfo, a: Anchor): AnchorCoverage {
  const policiesById = new Map<string, string[]>();
  for (const p of pack.policies) {
    for (const tag of p.tags) {
      if (!tag.startsWith(a.prefix)) continue;
      const id = tag.slice(a.prefix.length);
      policiesById.set(id, [...(policiesById.get(id) ?? []), p.name]);
    }
  }
  const ids = [...new Set([...policiesById.keys(), ...Object.keys(a.titles)])].sort((x, y) => x.localeCompare(y, "en", { numeric: true }));
  const rows = ids.map((id): CoverageRow => {
    const policies = policiesById.get(id) ?? [];
    const reason = notJudged[`${a.prefix}${id}`];
    const status: CoverageStatus = policies.length > 0 ? "covered" : reason !== undefined ? "not judged" : "not mapped";
    return { id, title: a.titles[id], policies, status, reason: status === "not judged" ? reason : undefined };
  });
  // Gaps first: a reviewer reads what is not covered before what is.
  const rank: Readonly<Record<CoverageStatus, number>> = { "not mapped": 0, "not judged": 1, covered: 2 };
  return { anchor: a.anchor, listed: Object.keys(a.titles).length, rows: [...rows].sort((x, y) => rank[x.status] - rank[y.status]) };
}

export function buildCoverage(pack: PackInfo): readonly AnchorCoverage[] {
  return anchors.map((a) => coverageOf(pack, a));
}

const count = (c: AnchorCoverage, status: CoverageStatus): number => c.rows.filter((r) => r.status === status).length;

function summary(coverage: readonly AnchorCoverage[]): string {
  const rows: Cell[][] = coverage.map((c) => {
    const covered = count(c, "covered");
    const coveredListed = c.rows.filter((r) => r.status === "covered" && r.title !== undefined).length;
    const share = c.listed === 0 ? 0 : Math.round((100 * coveredListed) / c.listed);
    return [
      { text: c.anchor },
      { text: String(covered), className: "num" },
      { html: `${coveredListed} of ${c.listed} <meter min="0" max="100" value="${share}" aria-hidden="true"></meter> <span class="share">${share}%</span>`, className: "num" },
      { text: String(count(c, "not judged")), className: "num" },
      { text: String(count(c, "not mapped")), className: "num" },
    ];
  });
  return table({
    caption: "Control ids the pack's policies name, per anchor",
    head: ["Anchor", "Ids covered", "Of the ids the project lists", "Not judged (with reason)", "Listed, not mapped"],
    rows,
    rowHeaders: true,
    className: "coverage-summary",
  });
}

function detail(c: AnchorCoverage): string {
  const rows: Cell[][] = c.rows.map((r) => [
    { html: `<code class="id">${esc(r.id)}</code>${r.title === undefined ? "" : `<br><span class="title">${esc(r.title)}</span>`}` },
    { text: r.status, className: `status ${r.status.replace(" ", "-")}` },
    r.status === "covered" ? { html: r.policies.map((p) => `<code>${esc(p)}</code>`).join("<br>") } : { text: r.reason ?? "" },
  ]);
  return table({
    caption: `${c.anchor}: ${plural(count(c, "covered"), "id")} covered`,
    head: ["Id", "Status", "Policies, or why not"],
    rows,
    rowHeaders: true,
    className: "coverage",
  });
}

export function coverageHtml(coverage: readonly AnchorCoverage[]): string {
  return section(
    "coverage",
    "Coverage of Checkov, Azure Policy and Scorecard ids",
    [
      `<p>Read from the policies' own metadata. "Listed" ids are the ones the project records titles for (Azure Policy built-ins it maps or deliberately leaves, the GitHub checks of Checkov and Scorecard); Checkov's Azure and Kubernetes checks count only where a policy names them.</p>`,
      summary(coverage),
      ...coverage.map(detail),
    ].join("\n"),
  );
}
