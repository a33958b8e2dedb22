// `secure-mlops/policies`: the pack's policies and what each answers for, for people composing
// their own pack (`new PolicyPack("mine", { policies: [...allPolicies, ...mine] })`) or reporting
// on it. Data only: importing this module builds no PolicyPack (index.ts does, for the CLI).
import type { EnforcementLevel, Policy } from "@pulumi/policy";
import { allPolicies } from "./all";
import { atlasMitigations, nistAiRmf, tagPrefix, type AtlasMitigation, type NistSubcategory } from "./lib/frameworks";
import { idsWithPrefix, mapped, type ControlMapping } from "./lib/metadata";

export { allPolicies, atlasMitigations, mapped, nistAiRmf };
export type { AtlasMitigation, ControlMapping, NistSubcategory };

/** One policy of the pack as a reviewer reads it: what it requires and which controls it answers for. */
export interface PolicyEntry {
  readonly name: string;
  readonly description: string;
  /** `stack` policies judge resources together (e.g. a diagnostic setting exists for each target). */
  readonly kind: "resource" | "stack";
  readonly severity: string;
  /** The level the policy declares; the pack's own default is mandatory. */
  readonly enforcementLevel: EnforcementLevel | undefined;
  readonly remediationSteps: string | undefined;
  readonly atlas: readonly string[];
  readonly nist: readonly string[];
  readonly checkov: readonly string[];
  readonly azurePolicy: readonly string[];
  readonly scorecard: readonly string[];
  readonly allstar: readonly string[];
  readonly legitify: readonly string[];
}

/** The metadata of one policy, read from its own fields and mapping tags. */
export function describePolicy(policy: Policy): PolicyEntry {
  const ids = (prefix: string): readonly string[] => idsWithPrefix(policy.tags, prefix);
  return {
    name: policy.name,
    description: policy.description ?? "",
    kind: "validateStack" in policy ? "stack" : "resource",
    severity: policy.severity ?? "medium",
    enforcementLevel: policy.enforcementLevel,
    remediationSteps: policy.remediationSteps,
    atlas: ids(tagPrefix.atlas),
    nist: ids(tagPrefix.nist),
    checkov: ids(tagPrefix.checkov),
    azurePolicy: ids(tagPrefix.azurePolicy),
    scorecard: ids(tagPrefix.scorecard),
    allstar: ids(tagPrefix.allstar),
    legitify: ids(tagPrefix.legitify),
  };
}

/** Every policy of the pack, described, in report order. */
export function policyCatalog(): readonly PolicyEntry[] {
  return allPolicies.map(describePolicy);
}
