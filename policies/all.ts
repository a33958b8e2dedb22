import type { Policy } from "@pulumi/policy";
import { authorizationPolicies } from "./authorization";
import { containerRegistryPolicies } from "./containerregistry";
import { defenderPolicies } from "./defender";
import { diagnosticsPolicies } from "./diagnostics";
import { entraPolicies } from "./entra";
import { githubActionsPolicies } from "./github-actions";
import { githubBranchPolicies } from "./github-branches";
import { githubEnvironmentPolicies } from "./github-environments";
import { githubRepositoryPolicies } from "./github-repository";
import { keyVaultPolicies } from "./keyvault";
import { kubernetesPodSecurityPolicies } from "./kubernetes-pod-security";
import { machineLearningPolicies } from "./machinelearning";
import { monitoringPolicies } from "./monitoring";
import { networkPolicies } from "./network";
import { privateDnsPolicies } from "./privatedns";
import { storagePolicies } from "./storage";

/**
 * Every policy of the pack, in report order. Data only: `index.ts` is the one file that builds
 * the PolicyPack, and tests import this list.
 */
export const allPolicies: readonly Policy[] = [
  ...containerRegistryPolicies,
  ...defenderPolicies,
  ...diagnosticsPolicies,
  ...networkPolicies,
  ...privateDnsPolicies,
  ...machineLearningPolicies,
  ...keyVaultPolicies,
  ...storagePolicies,
  ...monitoringPolicies,
  ...authorizationPolicies,
  ...entraPolicies,
  ...githubRepositoryPolicies,
  ...githubBranchPolicies,
  ...githubActionsPolicies,
  ...githubEnvironmentPolicies,
  ...kubernetesPodSecurityPolicies,
];
