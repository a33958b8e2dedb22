import type { PolicyComplianceFramework } from "@pulumi/policy";
import { atlasMitigations, tagPrefix, type AtlasMitigation, type NistSubcategory } from "./frameworks";

/** What a policy answers for: ATLAS and NIST always; the anchors' control ids where they exist. */
export interface ControlMapping {
  readonly atlas: readonly [AtlasMitigation, ...AtlasMitigation[]];
  readonly nist: readonly [NistSubcategory, ...NistSubcategory[]];
  readonly checkov?: readonly string[];
  /** Azure Policy built-in definition names (GUIDs). */
  readonly azurePolicy?: readonly string[];
  readonly scorecard?: readonly string[];
  readonly allstar?: readonly string[];
  readonly legitify?: readonly string[];
  /** Free tags (service, area). */
  readonly tags?: readonly string[];
}

/**
 * Builds the `framework` and `tags` fields of a policy from its mapping, so every policy states
 * its ATLAS mitigations (framework reference) and its other mappings (tags) the same way.
 */
export function mapped(mapping: ControlMapping): { framework: PolicyComplianceFramework; tags: string[] } {
  const tags = [
    ...mapping.atlas.map((id) => tagPrefix.atlas + id),
    ...mapping.nist.map((id) => tagPrefix.nist + id),
    ...(mapping.checkov ?? []).map((id) => tagPrefix.checkov + id),
    ...(mapping.azurePolicy ?? []).map((id) => tagPrefix.azurePolicy + id),
    ...(mapping.scorecard ?? []).map((id) => tagPrefix.scorecard + id),
    ...(mapping.allstar ?? []).map((id) => tagPrefix.allstar + id),
    ...(mapping.legitify ?? []).map((id) => tagPrefix.legitify + id),
    ...(mapping.tags ?? []),
  ];
  return {
    framework: {
      name: "MITRE ATLAS",
      version: "5",
      reference: mapping.atlas.join(" "),
      specification: mapping.atlas.map((id) => `${id} ${atlasMitigations[id]}`).join("; "),
    },
    tags,
  };
}

/** Reads the ids behind one tag prefix back out of a policy's tags. */
export function idsWithPrefix(tags: readonly string[] | undefined, prefix: string): string[] {
  return (tags ?? []).filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
}
