import { describe, expect, it } from "vitest";
import { parsePlatformConfig } from "../../stacks/config";
import { errorOf } from "./config-error";

const image = `crsmlopsprod.azurecr.io/secure-mlops/verifier@sha256:${"4f".repeat(32)}`;
const valid = (): Record<string, unknown> => ({
  environment: "prod",
  location: "westeurope",
  prefix: "smlops",
  tags: { owner: "platform-team" },
  network: { addressSpace: "10.30.0.0/16", privateEndpointSubnet: "10.30.1.0/24" },
  registry: {},
  defenderForContainers: true,
  aks: {
    nodeSubnet: "10.30.8.0/22",
    userPools: [{ name: "infer", vmSize: "Standard_D8ds_v5", count: 2 }],
    verifier: { image, policy: { apiVersion: "secure-mlops.dev/v1", kind: "AttestationPolicy" }, replicas: 2 },
    mlInference: { sslCname: "scoring.prod.ml.contoso.internal", endpointName: "smlops-prod-scoring" },
  },
});

const aks = (c: Record<string, unknown>): Record<string, unknown> => c["aks"] as Record<string, unknown>;
const verifier = (c: Record<string, unknown>): Record<string, unknown> => aks(c)["verifier"] as Record<string, unknown>;

describe("the secure-mlops:aks setting", () => {
  it("returns a valid config unchanged", () => {
    expect(parsePlatformConfig("secure-mlops", valid())).toEqual(valid());
  });
  const cases: [string, (c: Record<string, unknown>) => void, string][] = [
    ["the node subnet is missing", (c) => delete aks(c)["nodeSubnet"], "invalid config secure-mlops:aks.nodeSubnet: is required"],
    ["the node subnet is outside the address space", (c) => (aks(c)["nodeSubnet"] = "10.31.8.0/22"), "invalid config secure-mlops:aks.nodeSubnet: 10.31.8.0/22 is not inside the address space 10.30.0.0/16"],
    ["the node subnet overlaps the endpoints", (c) => (aks(c)["nodeSubnet"] = "10.30.0.0/22"), "invalid config secure-mlops:aks.nodeSubnet: 10.30.0.0/22 overlaps the private endpoint subnet 10.30.1.0/24"],
    ["a pool name has a dash", (c) => (aks(c)["userPools"] = [{ name: "gpu-a" }]), "invalid config secure-mlops:aks.userPools[0].name: must match ^[a-z][a-z0-9]{0,11}$"],
    ["the verifier image is a tag", (c) => (verifier(c)["image"] = "crsmlopsprod.azurecr.io/secure-mlops/verifier:1.0"), "invalid config secure-mlops:aks.verifier.image: must be an image by digest: registry/repository@sha256:<64 hex digits>"],
    ["the inference host name has capitals", (c) => ((aks(c)["mlInference"] as Record<string, unknown>)["sslCname"] = "Scoring.contoso.internal"), "invalid config secure-mlops:aks.mlInference.sslCname: must match ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$"],
    ["prod runs one verifier", (c) => (verifier(c)["replicas"] = 1), "invalid config secure-mlops:aks.verifier.replicas: must be at least 2 in prod, so an admission webhook that fails closed stays available"],
  ];
  for (const [when, flip, message] of cases) {
    it(`refuses it when ${when}`, () => {
      const raw = valid();
      flip(raw);
      expect(errorOf(raw)).toBe(message);
    });
  }
  it("allows one verifier replica outside prod", () => {
    const raw = { ...valid(), environment: "dev" };
    verifier(raw)["replicas"] = 1;
    expect(parsePlatformConfig("secure-mlops", raw).aks?.verifier?.replicas).toBe(1);
  });
});
