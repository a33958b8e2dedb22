import type { Policy } from "@pulumi/policy";
import { authorizationPolicies } from "./authorization";
import { azurePolicyGovernancePolicies } from "./authorization-policy";
import { containerRegistryPolicies } from "./containerregistry";
import { containerServicePolicies } from "./containerservice";
import { defenderPolicies } from "./defender";
import { diagnosticsPolicies } from "./diagnostics";
import { entraPolicies } from "./entra";
import { githubActionsPolicies } from "./github-actions";
import { githubBranchPolicies } from "./github-branches";
import { githubEnvironmentPolicies } from "./github-environments";
import { githubRepositoryPolicies } from "./github-repository";
import { githubRulesetPolicies } from "./github-rulesets";
import { keyVaultPolicies } from "./keyvault";
import { kubernetesNetworkPolicies } from "./kubernetes-network-policy";
import { kubernetesPodSecurityPolicies } from "./kubernetes-pod-security";
import { kubernetesRbacPolicies } from "./kubernetes-rbac";
import { kubernetesWebhookPolicies } from "./kubernetes-webhooks";
import { kubernetesWorkloadPolicies } from "./kubernetes-workloads";
import { kubernetesConfigurationPolicies } from "./kubernetesconfiguration";
import { machineLearningPolicies } from "./machinelearning";
import { monitoringPolicies } from "./monitoring";
import { networkPolicies } from "./network";
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
  ...machineLearningPolicies,
  ...containerServicePolicies,
  ...kubernetesConfigurationPolicies,
  ...keyVaultPolicies,
  ...storagePolicies,
  ...monitoringPolicies,
  ...authorizationPolicies,
  ...azurePolicyGovernancePolicies,
  ...entraPolicies,
  ...githubRepositoryPolicies,
  ...githubRulesetPolicies,
  ...githubBranchPolicies,
  ...githubActionsPolicies,
  ...githubEnvironmentPolicies,
  ...kubernetesPodSecurityPolicies,
  ...kubernetesWorkloadPolicies,
  ...kubernetesWebhookPolicies,
  ...kubernetesRbacPolicies,
  ...kubernetesNetworkPolicies,
];
