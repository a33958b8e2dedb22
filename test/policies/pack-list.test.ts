import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { startTestPack, type TestPack } from "../support/harness";

/**
 * The exact policies of the pack, in order. Adding or removing a policy is a reviewed change:
 * update this list (and `npx tsx tools/controls-table.ts`) in the same commit.
 */
const pinned = [
  "azure-containerregistry-registry-admin-user-disabled",
  "azure-containerregistry-registry-anonymous-pull-disabled",
  "azure-containerregistry-registry-public-network-disabled",
  "azure-containerregistry-registry-premium-sku",
  "azure-containerregistry-registry-quarantine-enabled",
  "azure-containerregistry-registry-retention-enabled",
  "azure-containerregistry-registry-export-disabled",
  "azure-containerregistry-registry-arm-token-auth-disabled",
  "azure-containerregistry-registry-zone-redundant",
  "azure-containerregistry-registry-dedicated-data-endpoints",
  "azure-containerregistry-registry-customer-managed-key",
  "azure-containerregistry-token-forbidden",
  "azure-containerregistry-cache-rule-forbidden",
  "azure-containerregistry-webhook-https",
  "azure-security-pricing-containers-standard",
  "azure-security-defender-for-containers-enabled",
  "azure-security-defender-for-key-vault-enabled",
  "azure-security-defender-for-storage-enabled",
  "azure-monitor-diagnostic-settings-present",
  "azure-network-private-endpoint-present",
  "azure-network-private-endpoint-dns-zone-group",
  "azure-machinelearningservices-workspace-public-network-disabled",
  "azure-machinelearningservices-workspace-managed-network-isolation",
  "azure-machinelearningservices-workspace-outbound-rules-restricted",
  "azure-machinelearningservices-workspace-customer-managed-key",
  "azure-machinelearningservices-workspace-hbi-enabled",
  "azure-machinelearningservices-workspace-user-assigned-identity",
  "azure-machinelearningservices-workspace-identity-datastore-auth",
  "azure-machinelearningservices-workspace-container-registry-set",
  "azure-machinelearningservices-workspace-hbi-storage-private",
  "azure-machinelearningservices-compute-local-auth-disabled",
  "azure-machinelearningservices-compute-no-public-ip",
  "azure-machinelearningservices-compute-ssh-disabled",
  "azure-machinelearningservices-compute-managed-identity",
  "azure-machinelearningservices-compute-cluster-scale-down",
  "azure-machinelearningservices-compute-instance-idle-shutdown",
  "azure-machinelearningservices-compute-instance-personal",
  "azure-machinelearningservices-compute-network-isolated",
  "azure-keyvault-vault-rbac-authorization",
  "azure-keyvault-vault-purge-protection",
  "azure-keyvault-vault-soft-delete",
  "azure-keyvault-vault-public-network-disabled",
  "azure-keyvault-key-expiration",
  "azure-keyvault-key-rotation-policy",
  "azure-keyvault-key-hsm-backed",
  "azure-keyvault-secret-expiration",
  "azure-keyvault-secret-content-type",
  "azure-storage-account-https-only",
  "azure-storage-account-minimum-tls",
  "azure-storage-account-blob-public-access-disabled",
  "azure-storage-account-public-network-disabled",
  "azure-storage-account-network-default-deny",
  "azure-storage-account-trusted-services-bypass",
  "azure-storage-account-shared-key-disabled",
  "azure-storage-account-infrastructure-encryption",
  "azure-storage-account-cross-tenant-replication-disabled",
  "azure-storage-account-local-users-disabled",
  "azure-storage-account-sas-expiration-policy",
  "azure-storage-account-customer-managed-key",
  "azure-storage-account-zone-or-geo-redundant",
  "azure-storage-blob-service-soft-delete",
  "azure-storage-blob-service-versioning",
  "azure-storage-blob-container-private",
  "azure-applicationinsights-component-workspace-based",
  "azure-applicationinsights-component-local-auth-disabled",
  "azure-applicationinsights-component-public-network-disabled",
  "azure-operationalinsights-workspace-local-auth-disabled",
  "azure-operationalinsights-workspace-retention",
  "azure-authorization-role-assignment-no-user-principal",
  "azure-authorization-role-assignment-privileged-scope",
  "azure-authorization-role-assignment-delegation-condition",
  "azure-authorization-role-definition-no-wildcard-actions",
  "azure-authorization-role-definition-no-authorization-write",
  "azuread-application-password-forbidden",
  "azuread-application-certificate-forbidden",
  "azuread-federated-credential-trusted-issuer",
  "azuread-federated-credential-exchange-audience",
  "azuread-federated-credential-pinned-subject",
  "azuread-federated-credential-writer-environment-subject",
  "azuread-application-federated-credential-limit",
  "azuread-group-security-enabled",
  "azuread-group-owner-present",
  "github-repository-default-branch-protected",
  "github-repository-private",
  "github-repository-secret-scanning",
  "github-repository-vulnerability-alerts",
  "github-repository-dependabot-security-updates",
  "github-repository-forking-disabled",
  "github-repository-merge-settings",
  "github-repository-webhook-secure",
  "github-repository-security-settings-managed",
  "github-ruleset-enforcement-active",
  "github-branch-protection-blocks-force-push",
  "github-branch-protection-blocks-deletion",
  "github-branch-protection-requires-reviews",
  "github-branch-protection-requires-last-push-approval",
  "github-branch-protection-dismisses-stale-reviews",
  "github-branch-protection-requires-code-owner-review",
  "github-branch-protection-requires-status-checks",
  "github-branch-protection-requires-up-to-date-branch",
  "github-branch-protection-applies-to-admins",
  "github-branch-protection-requires-signed-commits",
  "github-branch-protection-requires-linear-history",
  "github-branch-protection-requires-conversation-resolution",
  "github-branch-protection-scorecard-tier",
  "github-actions-token-read-only",
  "github-actions-cannot-approve-pull-requests",
  "github-actions-allowed-actions-restricted",
  "github-actions-sha-pinning-required",
  "github-actions-secret-encrypted",
  "github-environment-requires-reviewers",
  "github-environment-admins-cannot-bypass",
  "github-environment-deployment-branches-restricted",
  "github-environment-deployment-branch-allowed",
];

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

describe("the policy pack", () => {
  it("serves exactly the pinned policies, in order", () => {
    expect(pack.pack.policies.map((p) => p.name)).toEqual(pinned);
  });
  it("serves what policies/all.ts lists", () => {
    expect(allPolicies.map((p) => p.name)).toEqual(pinned);
  });
  it("is mandatory by default, so no config means the strictest pack", () => {
    expect(new Set(pack.pack.policies.map((p) => p.enforcementLevel))).toEqual(new Set(["mandatory"]));
    expect(pack.pack.name).toBe("secure-mlops");
  });
});
