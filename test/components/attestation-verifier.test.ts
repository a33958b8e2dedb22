import { createPrivateKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";
import { itCatchesEachRelaxation } from "../support/relaxations";

await recordWithOfflineMocks();
const { AttestationVerifier, ComponentArgumentError, attestationVerifierDefaults } = await import("../../components");
type Args = ConstructorParameters<typeof AttestationVerifier>[1];

const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg-team/providers";
const digest = "sha256:" + "a1".repeat(32);
const minimal: Args = {
  cluster: { resourceGroupName: "rg-team", clusterName: "aks-team" },
  image: `crteam.azurecr.io/secure-mlops/verifier@${digest}`,
  policy: JSON.stringify({ version: 1, rules: [] }),
  resourceGroupName: "rg-team",
  oidcIssuerUrl: "https://westeurope.oic.prod-aks.azure.com/0f9e8d7c-6b5a-4e3d-8c2b-1a0f9e8d7c6b/3f2e1d0c-9b8a-4765-8432-10fedcba9876/",
  registryId: `${sub}/Microsoft.ContainerRegistry/registries/crteam`,
  egressCidrs: ["10.20.1.0/27", "20.190.128.0/18"],
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
function build(args: Args): Promise<RecordedResource[]> {
  return record(() => new AttestationVerifier(`verifier${++counter}`, args));
}
const byType = (rs: RecordedResource[], type: string): RecordedResource => {
  const found = rs.filter((r) => r.type === type);
  expect(found, type).toHaveLength(1);
  return found[0] as RecordedResource;
};
type Obj = Record<string, unknown>;

describe("AttestationVerifier with its defaults", () => {
  it("creates the namespace, identity, workload objects, TLS and the webhook", async () => {
    const rs = await build(minimal);
    const n = `verifier${counter}`;
    expect(rs.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        `secure-mlops:kubernetes:AttestationVerifier::${n}`,
        `pulumi:providers:kubernetes::${n}-k8s`,
        `kubernetes:core/v1:Namespace::${n}-ns`,
        `azure-native:managedidentity:UserAssignedIdentity::${n}-identity`,
        `azure-native:managedidentity:FederatedIdentityCredential::${n}-federation`,
        `azure-native:authorization:RoleAssignment::${n}-identity-acrpull`,
        `kubernetes:core/v1:ServiceAccount::${n}-sa`,
        `kubernetes:core/v1:ConfigMap::${n}-policy`,
        `tls:index/privateKey:PrivateKey::${n}-ca-key`,
        `tls:index/selfSignedCert:SelfSignedCert::${n}-ca`,
        `tls:index/privateKey:PrivateKey::${n}-key`,
        `tls:index/certRequest:CertRequest::${n}-csr`,
        `tls:index/locallySignedCert:LocallySignedCert::${n}-cert`,
        `kubernetes:core/v1:Secret::${n}-tls`,
        `kubernetes:apps/v1:Deployment::${n}-deployment`,
        `kubernetes:core/v1:Service::${n}-service`,
        `kubernetes:policy/v1:PodDisruptionBudget::${n}-pdb`,
        `kubernetes:networking.k8s.io/v1:NetworkPolicy::${n}-netpol`,
        `kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration::${n}-webhook`,
      ].sort(),
    );
    const ns = byType(rs, "kubernetes:core/v1:Namespace").inputs["metadata"] as Obj;
    expect((ns["labels"] as Obj)["pod-security.kubernetes.io/enforce"]).toBe("restricted");

    const federation = byType(rs, "azure-native:managedidentity:FederatedIdentityCredential").inputs;
    expect([federation["issuer"], federation["subject"], federation["audiences"]]).toEqual([
      minimal.oidcIssuerUrl,
      "system:serviceaccount:attestation-verifier:attestation-verifier",
      ["api://AzureADTokenExchange"],
    ]);
    const sa = byType(rs, "kubernetes:core/v1:ServiceAccount").inputs["metadata"] as Obj;
    expect((sa["annotations"] as Obj)["azure.workload.identity/client-id"]).toMatch(/^[0-9a-f-]{36}$/);

    const spec = (byType(rs, "kubernetes:apps/v1:Deployment").inputs["spec"] as Obj);
    expect(spec["replicas"]).toBe(2);
    const pod = (spec["template"] as Obj)["spec"] as Obj;
    expect((pod["securityContext"] as Obj)["seccompProfile"]).toEqual({ type: "RuntimeDefault" });
    const container = (pod["containers"] as Obj[])[0] as Obj;
    expect(container["image"]).toBe(minimal.image);
    expect(container["securityContext"]).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect([(container["livenessProbe"] as Obj)["httpGet"], (container["readinessProbe"] as Obj)["httpGet"]]).toEqual([
      { path: "/healthz", port: 8443, scheme: "HTTPS" },
      { path: "/readyz", port: 8443, scheme: "HTTPS" },
    ]);
    expect(container["resources"]).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });

    const netpol = byType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs["spec"] as Obj;
    expect(netpol["ingress"]).toEqual([{ ports: [{ port: 8443, protocol: "TCP" }] }]);
    expect(((netpol["egress"] as Obj[])[1] as Obj)["to"]).toEqual([{ ipBlock: { cidr: "10.20.1.0/27" } }, { ipBlock: { cidr: "20.190.128.0/18" } }]);

    const webhook = ((byType(rs, "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration").inputs["webhooks"] as Obj[])[0]) as Obj;
    expect([webhook["failurePolicy"], webhook["sideEffects"], webhook["timeoutSeconds"], webhook["admissionReviewVersions"]]).toEqual(["Fail", "None", 5, ["v1"]]);
    const caBundle = String((webhook["clientConfig"] as Obj)["caBundle"]);
    expect(Buffer.from(caBundle, "base64").toString("utf8")).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const resources = (webhook["rules"] as Obj[]).flatMap((r) => r["resources"] as string[]);
    expect(resources.sort()).toEqual(["cronjobs", "daemonsets", "deployments", "jobs", "pods", "pods/ephemeralcontainers", "podtemplates", "replicasets", "replicationcontrollers", "statefulsets"]);
    expect((webhook["namespaceSelector"] as Obj)["matchExpressions"]).toEqual([
      { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "attestation-verifier"] },
      { key: "control-plane", operator: "DoesNotExist" },
      { key: "kubernetes.azure.com/managedby", operator: "NotIn", values: ["aks"] },
    ]);
  });

  it("keeps the serving key a secret", async () => {
    const rs = await build(minimal);
    const secret = byType(rs, "kubernetes:core/v1:Secret");
    expect(secret.inputs["type"]).toBe("kubernetes.io/tls");
    // Pulumi's secret envelope (the special signature 1b47061264138c4ac30d75fd1eb44270) wraps the key.
    const data = secret.inputs["stringData"] as Obj;
    expect(data["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(createPrivateKey(String((data["value"] as Obj)["tls.key"])).asymmetricKeyType).toBe("ec");
  });

  it("uses a cert-manager Certificate and CA injection when given an issuer", async () => {
    const rs = await build({ ...minimal, certManagerIssuer: "internal-ca" });
    expect(rs.filter((r) => r.type.startsWith("tls:"))).toEqual([]);
    const cert = byType(rs, "kubernetes:cert-manager.io/v1:Certificate").inputs;
    expect((cert["spec"] as Obj)["issuerRef"]).toEqual({ kind: "ClusterIssuer", name: "internal-ca" });
    const meta = byType(rs, "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration").inputs["metadata"] as Obj;
    expect(meta["annotations"]).toEqual({ "cert-manager.io/inject-ca-from": "attestation-verifier/attestation-verifier-tls" });
  });

  it("passes every policy of the strict pack", async () => {
    const violations = await pack.judge(await build(minimal));
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });
});

describe("when a secure default is relaxed through its argument", () => {
  // Every key of attestationVerifierDefaults must appear here with the policy that catches it, so
  // a new default without a policy (or a reason it needs none) fails this test.
  const relaxations: Record<keyof typeof attestationVerifierDefaults, [Partial<Args>, string] | "validated" | "not-weaker"> = {
    // kube-system and default are refused by the argument check (see "when an argument is invalid")
    namespace: "validated",
    // one replica of a fail-closed webhook denies more while it restarts, never admits more; the
    // prod stack config asks for at least two (stacks/config.ts)
    replicas: "not-weaker",
    failurePolicy: [{ failurePolicy: "Ignore" }, "kubernetes-webhook-fail-closed"],
    // over 10 s is refused by the argument check; the policy holds the same bound for any webhook
    timeoutSeconds: "validated",
    resources: [{ resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: {} } }, "kubernetes-workload-resources"],
  };
  const entries = Object.entries(relaxations);
  it("has relaxations to check", () => expect(entries.filter(([, r]) => Array.isArray(r)).length).toBeGreaterThan(1));
  itCatchesEachRelaxation<Args>(relaxations, async (override) => pack.judge(await build({ ...minimal, ...override })), { defaults: attestationVerifierDefaults });
});

describe("when an argument is invalid", () => {
  const t = "secure-mlops:kubernetes:AttestationVerifier";
  const cases: [string, Partial<Args>, string][] = [
    ["the image is a tag", { image: "crteam.azurecr.io/secure-mlops/verifier:1.0" }, `${t}: [image] must be a registry/repository@sha256:<64 hex digits> reference, got "crteam.azurecr.io/secure-mlops/verifier:1.0"`],
    ["the image has no registry path", { image: `verifier@${digest}` }, `${t}: [image] must be a registry/repository@sha256:<64 hex digits> reference, got "verifier@${digest}"`],
    ["the namespace is kube-system", { namespace: "kube-system" }, `${t}: [namespace] must be a DNS label other than kube-system and default, got "kube-system"`],
    ["the timeout is over 10 s", { timeoutSeconds: 30 }, `${t}: [timeoutSeconds] must be an integer from 1 to 10, got 30`],
    ["no egress is listed", { egressCidrs: [] }, `${t}: [egressCidrs] must list the registry's private endpoint (and Entra ID) addresses`],
    ["there is nowhere to deploy", { cluster: undefined }, `${t}: [provider] or cluster is required, to know where to deploy`],
  ];
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const before = all.length;
      expect(() => new AttestationVerifier(`bad${++counter}`, { ...minimal, ...override })).toThrow(ComponentArgumentError);
      expect(() => new AttestationVerifier(`bad${++counter}`, { ...minimal, ...override })).toThrow(message);
      await record(() => undefined);
      expect(all.filter((r) => !r.type.startsWith("secure-mlops:")).length).toBe(all.slice(0, before).filter((r) => !r.type.startsWith("secure-mlops:")).length);
    });
  }
});
