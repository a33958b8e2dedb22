import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPack, type TestPack } from "../support/harness";

// Generated per run: no key is ever committed.
const generatedKeyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }).toString();

const extensionType = "azure-native:kubernetesconfiguration:Extension";
const endpointType = "azure-native:machinelearningservices:OnlineEndpoint";
type Props = Record<string, unknown>;

/** The Azure ML extension as AksMlInference configures it. */
const extension = (): Props => ({
  resourceGroupName: "rg",
  clusterName: "aks-prod",
  clusterRp: "Microsoft.ContainerService",
  clusterResourceName: "managedClusters",
  extensionName: "azureml",
  extensionType: "Microsoft.AzureML.Kubernetes",
  configurationSettings: {
    enableInference: "True",
    enableTraining: "False",
    allowInsecureConnections: "False",
    inferenceRouterServiceType: "loadBalancer",
    internalLoadBalancerProvider: "azure",
    sslCname: "scoring.ml.contoso.internal",
  },
});

const endpoint = (): Props => ({
  resourceGroupName: "rg",
  workspaceName: "mlw-prod",
  endpointName: "fraud-scoring",
  properties: { authMode: "AADToken", publicNetworkAccess: "Disabled", compute: "/subscriptions/x/computes/aks-inference" },
});

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(type: string, props: Props): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "ml")) (out[d.policyName] ??= []).push(d.message);
  return out;
}
const settings = (p: Props): Props => p["configurationSettings"] as Props;

describe("the Azure ML extension", () => {
  it("passes as AksMlInference configures it, and other extensions are not judged", async () => {
    expect(await verdicts(extensionType, extension())).toEqual({});
    expect(await verdicts(extensionType, { ...extension(), extensionType: "microsoft.flux", configurationSettings: { allowInsecureConnections: "True" } })).toEqual({});
  });
  const https = "azure-kubernetesconfiguration-extension-azureml-https-only";
  const internal = "azure-kubernetesconfiguration-extension-azureml-internal-inference";
  const cases: [string, (p: Props) => void, string, string[]][] = [
    ["allows HTTP scoring", (p) => (settings(p)["allowInsecureConnections"] = "True"), https, ["The Azure ML extension must not allow insecure (HTTP) connections."]],
    ["has no TLS host name", (p) => delete settings(p)["sslCname"], https, ["The Azure ML extension must set sslCname for HTTPS scoring."]],
    ["puts the key in plain settings", (p) => (settings(p)["sslKeyPemFile"] = generatedKeyPem), https, ["The Azure ML extension must keep sslKeyPemFile in configurationProtectedSettings."]],
    ["uses a public load balancer", (p) => delete settings(p)["internalLoadBalancerProvider"], internal, ['The Azure ML extension\'s inference router must be a cluster IP or an internal load balancer, got "loadBalancer".']],
    ["uses a node port", (p) => (settings(p)["inferenceRouterServiceType"] = "nodePort"), internal, ['The Azure ML extension\'s inference router must be a cluster IP or an internal load balancer, got "nodePort".']],
    ["installs training", (p) => (settings(p)["enableTraining"] = "True"), internal, ["The Azure ML extension must install inference only (enableTraining off)."]],
  ];
  for (const [when, flip, policy, messages] of cases) {
    it(`is refused when it ${when}`, async () => {
      const props = extension();
      flip(props);
      expect(await verdicts(extensionType, props)).toEqual({ [policy]: messages });
    });
  }
  it("accepts a cluster IP router (behind the platform's own ingress)", async () => {
    const props = extension();
    settings(props)["inferenceRouterServiceType"] = "clusterIP";
    delete settings(props)["internalLoadBalancerProvider"];
    expect(await verdicts(extensionType, props)).toEqual({});
  });
});

describe("online endpoints", () => {
  it("pass with Entra token auth and no public access", async () => {
    expect(await verdicts(endpointType, endpoint())).toEqual({});
  });
  it("are refused with key auth", async () => {
    const props = endpoint();
    (props["properties"] as Props)["authMode"] = "Key";
    expect(await verdicts(endpointType, props)).toEqual({
      "azure-machinelearningservices-onlineendpoint-entra-auth": ['The online endpoint must use Entra ID (AADToken) or Azure ML token authentication, got "Key".'],
    });
  });
  it("are refused when public network access is left to ARM's default", async () => {
    const props = endpoint();
    delete (props["properties"] as Props)["publicNetworkAccess"];
    expect(await verdicts(endpointType, props)).toEqual({
      "azure-machinelearningservices-onlineendpoint-public-network-disabled": ["The online endpoint must have public network access disabled."],
    });
  });
});
