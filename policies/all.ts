import type { Policy } from "@pulumi/policy";
import { containerRegistryPolicies } from "./containerregistry";
import { defenderPolicies } from "./defender";
import { diagnosticsPolicies } from "./diagnostics";
import { networkPolicies } from "./network";

/**
 * Every policy of the pack, in report order. Data only: `index.ts` is the one file that builds
 * the PolicyPack, and tests import this list.
 */
export const allPolicies: readonly Policy[] = [
  ...containerRegistryPolicies,
  ...defenderPolicies,
  ...diagnosticsPolicies,
  ...networkPolicies,
];
