import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cliWithin } from "../support/cli";

const cli = cliWithin(300_000);

const fixture = (name: string): string => path.join("test", "fixtures", "programs", name);
type Violation = { policyName: string; urn: string; message: string; enforcementLevel: string };

describe("secure-mlops preview --program with an AKS cluster", () => {
  const clusterUrn = (project: string): string =>
    `urn:pulumi:dev::${project}::secure-mlops:azure:SecureAksCluster$azure-native:containerservice:ManagedCluster::team-aks-aks`;
  const cases: [string, string, string][] = [
    ["aks-local-accounts", "azure-containerservice-managedcluster-local-accounts-disabled", "The AKS cluster must have local accounts disabled."],
    ["aks-public-api-server", "azure-containerservice-managedcluster-private-api-server", "The AKS cluster must have a private API server."],
  ];
  for (const [program, policy, message] of cases) {
    it(`exits 1 and names ${policy} and the cluster (${program})`, () => {
      const r = cli("preview", "--program", fixture(program), "--json");
      expect(r.status).toBe(1);
      const doc = JSON.parse(r.stdout) as { violations: Violation[] };
      expect(doc.violations.map((v) => [v.policyName, v.urn, v.message, v.enforcementLevel])).toEqual([[policy, clusterUrn(program), message, "mandatory"]]);
    });
  }
});

describe("secure-mlops preview --program with a key-authenticated online endpoint", () => {
  it("exits 1 and names the endpoint policy and the endpoint", () => {
    const r = cli("preview", "--program", fixture("ml-endpoint-key-auth"), "--json");
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { violations: Violation[] };
    expect(doc.violations.map((v) => [v.policyName, v.urn, v.message, v.enforcementLevel])).toEqual([
      [
        "azure-machinelearningservices-onlineendpoint-entra-auth",
        "urn:pulumi:dev::ml-endpoint-key-auth::secure-mlops:azure:AksMlInference$azure-native:machinelearningservices:OnlineEndpoint::team-ml-endpoint",
        'The online endpoint must use Entra ID (AADToken) or Azure ML token authentication, got "Key".',
        "mandatory",
      ],
    ]);
  });
});

describe("secure-mlops preview --stack prod", () => {
  it("lists the cluster, the verifier's Kubernetes objects and the ML extension, compute and endpoint, and exits 0", () => {
    const r = cli("preview", "--stack", "prod", "--policy-config", "policies/config/prod.json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const line of [
      "+ azure-native:containerservice:ManagedCluster  platform-aks-aks",
      "+ azure-native:monitor:DiagnosticSetting  platform-aks-diagnostics",
      "+ azure-native:authorization:RoleAssignment  platform-aks-kubelet-acrpull",
      "+ kubernetes:core/v1:Namespace  platform-verifier-ns",
      "+ kubernetes:apps/v1:Deployment  platform-verifier-deployment",
      "+ kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration  platform-verifier-webhook",
      "+ azure-native:kubernetesconfiguration:Extension  platform-ml-inference-extension",
      "+ azure-native:machinelearningservices:Compute  platform-ml-inference-compute",
      "+ azure-native:machinelearningservices:OnlineEndpoint  platform-ml-inference-endpoint",
    ]) {
      expect(r.stdout).toContain(line);
    }
    expect(r.stdout).toMatch(/^\d+ resources; 0 mandatory and 0 advisory violations\.$/m);
  });
});
