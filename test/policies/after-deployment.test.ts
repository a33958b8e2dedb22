import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { azurePolicyBuiltIns, builtInDefinitionId, conflictingBuiltIns } from "../../constants/azure-policy-builtins";
import { allPolicies } from "../../policies/all";
import { afterDeployment, afterDeploymentKeys } from "../../policies/lib/after-deployment";
import { tagPrefix } from "../../policies/lib/frameworks";
import { idsWithPrefix } from "../../policies/lib/metadata";
import { readmePath } from "../../tools/controls-table";

/**
 * The assigned built-ins by key, copied by hand from Azure/azure-policy built-in-policies
 * @f4a50bac (policyDefinitions/<Category>/*.json `name`; the initiative from
 * policySetDefinitions/Kubernetes/PSPRestrictedStandard.json), so a changed or mistyped id in
 * constants/azure-policy-builtins.ts fails here rather than at deployment.
 */
const pinned: Readonly<Record<string, string>> = {
  "acr-admin-user-disabled": "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
  "acr-anonymous-pull-disabled": "9f2dea28-e834-476c-99c5-3507b4728395",
  "acr-public-network-disabled": "0fdf0491-d080-4575-b627-ad0e843cba0f",
  "acr-private-link-sku": "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13",
  "acr-exports-disabled": "524b0254-c285-4903-bee6-bb8126cde579",
  "acr-arm-token-auth-disabled": "42781ec6-6127-4c30-bdfa-fb423a0047d3",
  "acr-repository-tokens-disabled": "ff05e24e-195c-447e-b322-5e90c9f9f366",
  "acr-cache-rules-prevented": "84497762-32b6-4ab3-80b6-732ea48b85a2",
  "mlw-public-network-disabled": "438c38d2-3772-465a-a9cc-7a6666a275ce",
  "mlw-public-network-modify": "a10ee784-7409-4941-b091-663697637c0f",
  "mlw-approved-outbound-only": "6ddb1705-c8cf-450e-aa4b-19ad6703c440",
  "mlw-customer-managed-key": "ba769a63-b8cc-4b2d-abf6-ac33c7204be8",
  "mlw-user-assigned-identity": "5f0c7d88-c7de-45b8-ac49-db49e72eaa78",
  "mlw-private-link": "45e05259-1eb5-4f70-9574-baf73e9d219b",
  "mlw-resource-logs": "afe0c3be-ba3b-4544-ba52-0c99672a8ad6",
  "mlc-local-auth-disabled": "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
  "mlc-local-auth-modify": "a6f9a2d0-cff7-4855-83ad-4cd750666512",
  "mlc-idle-shutdown": "679ddf89-ab8f-48a5-9029-e76054077449",
  "kv-rbac-authorization": "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
  "kv-purge-protection": "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
  "kv-soft-delete": "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
  "kv-public-network-disabled": "405c5871-3e91-4644-8a63-58e19d68ff5b",
  "kv-firewall-enabled": "55615ac9-af46-4a59-874e-391cc3dfb490",
  "kv-key-expiration": "152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0",
  "kv-key-hsm-backed": "587c79fe-dd04-4a5e-9d0b-f89598c7261b",
  "kv-secret-expiration": "98728c90-32c7-4049-8429-847dc0f4fe37",
  "kv-resource-logs": "cf820ca0-f99e-4f3e-84fb-66e913812d21",
  "st-secure-transfer": "404c3081-a854-4457-ae30-26a93ef643f9",
  "st-minimum-tls": "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
  "st-blob-public-access-disallowed": "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
  "st-public-network-disabled": "b2982f36-99f2-4db5-8eff-283140c09693",
  "st-network-restricted": "34c877ad-507e-4c82-993e-3452a6e0ad3c",
  "st-shared-key-disabled": "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
  "st-infrastructure-encryption": "4733ea7b-a883-42fe-8cac-97454c2a9e4a",
  "st-cross-tenant-replication-disabled": "92a89a79-6c52-4a7e-a03f-61306fc49312",
  "st-customer-managed-key": "6fac406b-40ca-413b-bf8e-0bf964659c25",
  "appi-workspace-based": "d550e854-df1a-4de9-bf44-cd894b39a95e",
  "appi-local-auth-disabled": "199d5677-e4d9-4264-9465-efe1839c06bd",
  "appi-public-network-disabled": "1bc02227-0cb6-4e11-8f53-eb0b22eab7e8",
  "aks-private-cluster": "040732e8-d947-40b8-95d6-854c95024bf8",
  "aks-local-accounts-disabled": "993c2fcd-2b29-49d2-9eb0-df2c3a730c32",
  "aks-encryption-at-host": "41425d9f-d1a5-499a-9932-f8ed8453932c",
  "aks-entra-integration": "450d2877-ebea-41e8-b00c-e286317d21bf",
  "aks-kubernetes-rbac": "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457",
  "aks-workload-identity": "2cc2e023-0dac-4046-875b-178f683929d5",
  "aks-managed-identity": "da6e2401-19da-4532-9141-fb8fbde08431",
  "aks-policy-addon": "0a15ec92-a229-4763-bb14-0ea34a568f8d",
  "aks-policy-addon-deploy": "a8eff44f-8c92-45c3-a3fb-9880802d67a7",
  "aks-defender-profile": "a1840de2-8088-4ea8-b153-b4c723e9cb01",
  "aks-azure-cni": "46238e2f-3f6f-4589-9f3f-77bed4116e67",
  "aks-cluster-auto-upgrade": "5c345cdf-2049-47e0-b8fe-b0e96bc2df35",
  "aks-node-os-auto-upgrade": "04408ca5-aa10-42ce-8536-98955cdddd4c",
  "aks-image-cleaner": "af3c26b2-6fad-493e-9236-9c68928516ab",
  "aks-command-invoke-disabled": "89f2d532-c53c-4f8f-9afa-4927b1114a0d",
  "aks-node-ssh-disabled": "28257686-e9db-403e-b9e2-a5eecbe03da9",
  "k8s-pod-security-restricted": "42b8ef37-b724-4e24-bbc8-7a7708edfe00",
  "k8s-no-default-namespace": "9f061a12-e40d-4183-a00e-171812443373",
  "k8s-no-latest-tag": "021f8078-41a0-40e6-81b6-c6597da9f3ee",
  "k8s-no-automount-token": "423dd1ba-798e-40e4-9c4d-b6902674b423",
  "k8s-probes": "b1a9997f-2883-4f12-bdff-2280f99b5915",
  "k8s-minimal-wildcard-roles": "ca8d5704-aa2b-40cf-b110-dc19052825ad",
};

const entries = Object.entries(afterDeployment);
const guidOf = (id: string): string => id.split("/").pop() ?? "";

describe("the assigned built-ins (constants/azure-policy-builtins.ts)", () => {
  it("are exactly the pinned definition ids, by key", () => {
    expect(Object.fromEntries(azurePolicyBuiltIns.map((b) => [b.key, b.name]))).toEqual(pinned);
  });

  it("never include the ALZ members that conflict with the platform", () => {
    expect(Object.keys(conflictingBuiltIns)).toEqual(["e413671a-dd10-4cc1-a943-45b598596cb7", "7804b5c7-01dc-4723-969b-ae300cc07ff1", "f110a506-2dcb-422e-bcea-d533fc8c35e2"]);
    const assigned = azurePolicyBuiltIns.map((b) => b.name);
    for (const guid of Object.keys(conflictingBuiltIns)) expect(assigned, guid).not.toContain(guid);
  });

  it("give the pod security initiative upstream's restricted capabilities", () => {
    const pss = azurePolicyBuiltIns.find((b) => b.key === "k8s-pod-security-restricted");
    expect(pss?.kind).toBe("initiative");
    expect(builtInDefinitionId(pss!)).toBe("/providers/Microsoft.Authorization/policySetDefinitions/42b8ef37-b724-4e24-bbc8-7a7708edfe00");
    expect(pss?.parameters).toEqual({ allowedCapabilities: ["NET_BIND_SERVICE"], requiredDropCapabilities: ["ALL"] });
  });
});

describe("afterDeployment (policies/lib/after-deployment.ts)", () => {
  it("maps only policies of the pack", () => {
    expect(entries.length).toBeGreaterThan(50);
    const names = new Set(allPolicies.map((p) => p.name));
    expect(entries.map(([policy]) => policy).filter((p) => !names.has(p))).toEqual([]);
  });

  it("lists every assigned built-in for some policy, so nothing is assigned without its pack twin", () => {
    const listed = new Set(entries.flatMap(([, refs]) => refs.map((r) => r.id)));
    expect(azurePolicyBuiltIns.map((b) => builtInDefinitionId(b)).filter((id) => !listed.has(id))).toEqual([]);
    expect([...listed].filter((id) => !azurePolicyBuiltIns.some((b) => builtInDefinitionId(b) === id))).toEqual([]);
  });

  it("gives full resource ids whose collection matches the kind", () => {
    for (const [policy, refs] of entries) {
      expect(refs.length, policy).toBeGreaterThan(0);
      for (const ref of refs) {
        const collection = ref.kind === "initiative" ? "policySetDefinitions" : "policyDefinitions";
        expect(ref.id, policy).toMatch(new RegExp(`^/providers/Microsoft\\.Authorization/${collection}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
        expect(ref.displayName.length, ref.id).toBeGreaterThan(10);
      }
    }
  });

  it("names, for each policy, a definition that policy's control table row cites (or an initiative with such a member)", () => {
    for (const [policy, refs] of entries) {
      const cited = idsWithPrefix(allPolicies.find((p) => p.name === policy)?.tags, tagPrefix.azurePolicy);
      for (const ref of refs) {
        const builtIn = azurePolicyBuiltIns.find((b) => builtInDefinitionId(b) === ref.id);
        const covered = ref.kind === "initiative" ? (builtIn?.members ?? []).some((m) => cited.includes(m)) : cited.includes(guidOf(ref.id));
        expect(covered, `${policy} -> ${ref.id} is not among the definitions its metadata cites (${cited.join(", ")})`).toBe(true);
      }
    }
  });

  it("is keyed the same way as the rows it is built from", () => {
    expect(Object.keys(afterDeploymentKeys)).toEqual(entries.map(([p]) => p));
    expect(afterDeployment["azure-containerservice-managedcluster-azure-policy-addon"]).toEqual([
      { id: "/providers/Microsoft.Authorization/policyDefinitions/0a15ec92-a229-4763-bb14-0ea34a568f8d", displayName: "Azure Policy Add-on for Kubernetes service (AKS) should be installed and enabled on your clusters", kind: "definition" },
      { id: "/providers/Microsoft.Authorization/policyDefinitions/a8eff44f-8c92-45c3-a3fb-9880802d67a7", displayName: "Deploy Azure Policy Add-on to Azure Kubernetes Service clusters", kind: "definition" },
    ]);
    expect(afterDeployment["github-repository-secret-scanning"]).toBeUndefined();
  });
});

describe("the After deployment column of policies/README.md", () => {
  const readme = fs.readFileSync(readmePath, "utf8");
  const row = (policy: string): string | undefined => readme.split("\n").find((line) => line.includes(`| \`${policy}\` (`));

  it("prints the assigned built-ins of a policy", () => {
    expect(row("kubernetes-pod-security-privileged")).toContain(
      "| `42b8ef37-b724-4e24-bbc8-7a7708edfe00` Kubernetes cluster pod security restricted standards for Linux-based workloads (initiative) |",
    );
  });

  it("says so when a policy has no built-in twin", () => {
    const policy = "azure-containerservice-agentpool-node-public-ip-disabled";
    expect(afterDeployment[policy]).toBeUndefined();
    expect(row(policy)).toContain("| no built-in assigned |");
  });
});
