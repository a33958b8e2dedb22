import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../preview/recorder";
import { record, recordWithOfflineMocks, startTestPack, type TestPack } from "../support/harness";
import { itCatchesEachRelaxation } from "../support/relaxations";

await recordWithOfflineMocks();
const { AksMlInference, aksMlInferenceDefaults, ComponentArgumentError } = await import("../../components");
// Generated per run: no key is ever committed.
const generatedKeyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }).toString();
type Args = ConstructorParameters<typeof AksMlInference>[1];

const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg-team/providers";
const minimal: Args = {
  resourceGroupName: "rg-team",
  clusterName: "aks-team",
  clusterId: `${sub}/Microsoft.ContainerService/managedClusters/aks-team`,
  workspaceName: "mlw-team",
  tls: { cname: "scoring.ml.contoso.internal", certPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", keyPem: generatedKeyPem },
  endpointName: "fraud-scoring",
  deployments: [{ name: "blue", model: "azureml:fraud-model:3" }],
};

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
function build(args: Args): Promise<RecordedResource[]> {
  return record(() => new AksMlInference(`ml${++counter}`, args));
}
type Obj = Record<string, unknown>;
const one = (rs: RecordedResource[], type: string): RecordedResource => {
  const found = rs.filter((r) => r.type === type);
  expect(found, type).toHaveLength(1);
  return found[0] as RecordedResource;
};

describe("AksMlInference with its defaults", () => {
  it("creates the extension, the Kubernetes compute, the endpoint and its deployment", async () => {
    const rs = await build(minimal);
    const n = `ml${counter}`;
    expect(rs.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        `secure-mlops:azure:AksMlInference::${n}`,
        `azure-native:kubernetesconfiguration:Extension::${n}-extension`,
        `azure-native:machinelearningservices:Compute::${n}-compute`,
        `azure-native:machinelearningservices:OnlineEndpoint::${n}-endpoint`,
        `azure-native:machinelearningservices:OnlineDeployment::${n}-deployment-blue`,
      ].sort(),
    );
    const ext = one(rs, "azure-native:kubernetesconfiguration:Extension").inputs;
    expect(ext["configurationSettings"]).toEqual({
      enableInference: "True",
      enableTraining: "False",
      allowInsecureConnections: "False",
      inferenceRouterServiceType: "loadBalancer",
      inferenceRouterHA: "True",
      internalLoadBalancerProvider: "azure",
      sslCname: "scoring.ml.contoso.internal",
    });
    // The certificate and key travel only as a Pulumi secret, in the protected settings.
    expect((ext["configurationProtectedSettings"] as Obj)["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    const compute = one(rs, "azure-native:machinelearningservices:Compute").inputs["properties"] as Obj;
    expect([compute["computeType"], compute["disableLocalAuth"], compute["resourceId"]]).toEqual(["Kubernetes", true, minimal.clusterId]);
    const endpoint = one(rs, "azure-native:machinelearningservices:OnlineEndpoint").inputs["properties"] as Obj;
    expect([endpoint["authMode"], endpoint["publicNetworkAccess"], endpoint["traffic"]]).toEqual(["AADToken", "Disabled", { blue: 100 }]);
  });

  it("passes every policy of the strict pack", async () => {
    const violations = await pack.judge(await build(minimal));
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });
});

describe("when a secure default is relaxed through its argument", () => {
  const relaxations: Record<keyof typeof aksMlInferenceDefaults, [Partial<Args>, string] | "naming"> = {
    computeName: "naming",
    namespace: "naming",
    allowInsecureConnections: [{ allowInsecureConnections: true }, "azure-kubernetesconfiguration-extension-azureml-https-only"],
    inferenceRouterServiceType: [{ inferenceRouterServiceType: "nodePort" }, "azure-kubernetesconfiguration-extension-azureml-internal-inference"],
    internalLoadBalancer: [{ internalLoadBalancer: false }, "azure-kubernetesconfiguration-extension-azureml-internal-inference"],
    enableTraining: [{ enableTraining: true }, "azure-kubernetesconfiguration-extension-azureml-internal-inference"],
    computeLocalAuthDisabled: [{ computeLocalAuthDisabled: false }, "azure-machinelearningservices-compute-local-auth-disabled"],
    endpointAuthMode: [{ endpointAuthMode: "Key" }, "azure-machinelearningservices-onlineendpoint-entra-auth"],
    endpointPublicNetworkAccess: [{ endpointPublicNetworkAccess: true }, "azure-machinelearningservices-onlineendpoint-public-network-disabled"],
  };
  const entries = Object.entries(relaxations);
  it("has relaxations to check", () => expect(entries.length).toBeGreaterThan(5));
  itCatchesEachRelaxation<Args>(relaxations, async (override) => pack.judge(await build({ ...minimal, ...override })), { defaults: aksMlInferenceDefaults });
});

describe("when an argument is invalid", () => {
  const t = "secure-mlops:azure:AksMlInference";
  const cases: [string, Partial<Args>, string][] = [
    ["the endpoint name has an underscore", { endpointName: "fraud_scoring" }, `${t}: [endpointName] must be 3-32 letters, digits and dashes starting with a letter, got "fraud_scoring"`],
    ["the TLS host is not a DNS name", { tls: { ...minimal.tls, cname: "Scoring Host" } }, `${t}: [tls.cname] must be a lower-case DNS name, got "Scoring Host"`],
    ["traffic does not add up", { deployments: [{ name: "blue", model: "m", traffic: 60 }, { name: "green", model: "m", traffic: 30 }] }, `${t}: [deployments] traffic must add up to 100, got 90`],
    ["a deployment name repeats", { deployments: [{ name: "blue", model: "m", traffic: 50 }, { name: "blue", model: "m", traffic: 50 }] }, `${t}: [deployments[1].name] "blue" is used twice`],
  ];
  for (const [when, override, message] of cases) {
    it(`throws before creating any child when ${when}`, async () => {
      const all = await recordWithOfflineMocks();
      const before = all.filter((r) => r.type === "azure-native:kubernetesconfiguration:Extension").length;
      expect(() => new AksMlInference(`bad${++counter}`, { ...minimal, ...override })).toThrow(ComponentArgumentError);
      expect(() => new AksMlInference(`bad${++counter}`, { ...minimal, ...override })).toThrow(message);
      await record(() => undefined);
      expect(all.filter((r) => r.type === "azure-native:kubernetesconfiguration:Extension").length).toBe(before);
    });
  }
});
