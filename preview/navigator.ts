import { atlasMitigations, atlasTechniques, mitigatedTechniques, type AtlasMitigation, type AtlasTechnique } from "../policies/lib/frameworks";
import type { PreviewResult } from "./engine";
import type { PackInfo } from "./pack-client";

/**
 * An ATLAS Navigator layer of the pack: every ATLAS technique one of the pack's mitigations answers,
 * scored by how many of the pack's policies answer it. The format is the ATT&CK Navigator's layer
 * file, version 4.3, with the domain and versions the ATLAS Navigator's own layers use
 * (mitre-atlas/atlas-navigator-data: layer 4.3, navigator 4.6.4, domain "atlas-atlas").
 */
export interface NavigatorMetadata {
  readonly name: string;
  readonly value: string;
}

export interface NavigatorTechnique {
  readonly techniqueID: string;
  readonly score?: number;
  readonly comment?: string;
  readonly enabled: boolean;
  readonly showSubtechniques?: boolean;
  readonly metadata?: readonly NavigatorMetadata[];
}

export interface NavigatorLayer {
  readonly name: string;
  readonly versions: { readonly layer: string; readonly navigator: string };
  readonly domain: "atlas-atlas";
  readonly description: string;
  readonly sorting: number;
  readonly layout: { readonly layout: "side"; readonly showID: boolean; readonly showName: boolean };
  readonly hideDisabled: boolean;
  readonly techniques: readonly NavigatorTechnique[];
  readonly gradient: { readonly colors: readonly string[]; readonly minValue: number; readonly maxValue: number };
  readonly legendItems: readonly { readonly label: string; readonly color: string }[];
  readonly metadata: readonly NavigatorMetadata[];
}

export const navigatorVersions = { layer: "4.3", navigator: "4.6.4" } as const;
/** The ATLAS release `atlasTechniques` and `mitigatedTechniques` were read from. */
export const atlasDataVersion = "5.6.0";

const isKnownMitigation = (id: string): id is AtlasMitigation => id in atlasMitigations;
const parentOf = (id: string): string | undefined => (/^AML\.T\d{4}\.\d{3}$/.test(id) ? id.slice(0, 9) : undefined);
const isKnownTechnique = (id: string): id is AtlasTechnique => id in atlasTechniques;

interface Scored {
  readonly policies: Set<string>;
  readonly mitigations: Set<AtlasMitigation>;
  violations: number;
}

function scoreTechniques(pack: PackInfo, preview?: PreviewResult): Map<AtlasTechnique, Scored> {
  const violations = new Map<string, number>();
  for (const v of preview?.violations ?? []) violations.set(v.policyName, (violations.get(v.policyName) ?? 0) + 1);
  const scored = new Map<AtlasTechnique, Scored>();
  for (const p of pack.policies) {
    const mitigations = (p.framework?.reference ?? "").split(/\s+/).filter(isKnownMitigation);
    for (const m of mitigations) {
      for (const t of mitigatedTechniques[m]) {
        const s = scored.get(t) ?? { policies: new Set<string>(), mitigations: new Set<AtlasMitigation>(), violations: 0 };
        if (!s.policies.has(p.name)) s.violations += violations.get(p.name) ?? 0;
        s.policies.add(p.name);
        s.mitigations.add(m);
        scored.set(t, s);
      }
    }
  }
  return scored;
}

function technique(id: AtlasTechnique, s: Scored, stack: string | undefined, hasScoredChild: boolean): NavigatorTechnique {
  const mitigations = [...s.mitigations].sort();
  return {
    techniqueID: id,
    score: s.policies.size,
    comment: `${atlasTechniques[id]}: answered by ${s.policies.size} policies through ${mitigations.map((m) => `${m} ${atlasMitigations[m]}`).join("; ")}.`,
    enabled: true,
    ...(hasScoredChild ? { showSubtechniques: true } : {}),
    metadata: [
      { name: "mitigations", value: mitigations.join(" ") },
      { name: "policies", value: String(s.policies.size) },
      ...(stack === undefined ? [] : [{ name: `violations (${stack})`, value: String(s.violations) }]),
    ],
  };
}

export function navigatorLayer(pack: PackInfo, preview?: PreviewResult): NavigatorLayer {
  const scored = scoreTechniques(pack, preview);
  const ids = [...scored.keys()].sort();
  const parentsToOpen = new Set(ids.map(parentOf).filter((p): p is string => p !== undefined));
  // A sub-technique shows only under an expanded parent: parents no mitigation answers are listed unscored, expanded.
  const unscoredParents = [...parentsToOpen].filter((p) => isKnownTechnique(p) && !scored.has(p)).sort() as AtlasTechnique[];
  const techniques = [
    ...ids.map((id) => technique(id, scored.get(id) as Scored, preview?.stack, parentsToOpen.has(id))),
    ...unscoredParents.map((id): NavigatorTechnique => ({ techniqueID: id, enabled: true, showSubtechniques: true })),
  ].sort((a, b) => a.techniqueID.localeCompare(b.techniqueID));
  const max = Math.max(1, ...[...scored.values()].map((s) => s.policies.size));
  const packName = `${pack.name}@${pack.version}`;
  return {
    name: `${packName} mitigations${preview ? ` (${preview.stack})` : ""}`,
    versions: navigatorVersions,
    domain: "atlas-atlas",
    description: `ATLAS techniques answered by the CrossGuard policies of ${packName}; a technique's score is the number of policies whose ATLAS mitigations answer it.`,
    sorting: 3,
    layout: { layout: "side", showID: true, showName: true },
    hideDisabled: false,
    techniques,
    gradient: { colors: ["#e8f1fb", "#2b6cb0"], minValue: 0, maxValue: max },
    legendItems: [
      { label: "answered by few policies", color: "#e8f1fb" },
      { label: `answered by ${max} policies`, color: "#2b6cb0" },
    ],
    metadata: [
      { name: "pack", value: packName },
      { name: "atlas_data_version", value: atlasDataVersion },
      ...(preview ? [{ name: "stack", value: preview.stack }, { name: "violations", value: String(preview.violations.length) }] : []),
    ],
  };
}
