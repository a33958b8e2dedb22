import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { tagPrefix } from "../../policies/lib/frameworks";
import { idsWithPrefix } from "../../policies/lib/metadata";

// The Checkov and Azure Policy controls (as catalogued for this project) that apply to what MlWorkspace creates, and the ones that do
// not (with why). A policy that drops an id, or an id added to the lists here without a
// policy, fails this test.

const covered = (prefix: string): Set<string> => new Set(allPolicies.flatMap((p) => idsWithPrefix(p.tags, prefix)));

const checkov = {
  machineLearning: ["CKV_AZURE_144", "CKV2_AZURE_49", "CKV2_AZURE_50", "CKV_AZURE_243", "CKV_AZURE_142", "CKV_AZURE_150"],
  keyVault: ["CKV_AZURE_42", "CKV_AZURE_109", "CKV_AZURE_110", "CKV_AZURE_111", "CKV_AZURE_189", "CKV2_AZURE_32", "CKV_AZURE_40", "CKV_AZURE_41", "CKV_AZURE_112", "CKV_AZURE_114", "CKV_AZURE_87"],
  storage: [
    "CKV_AZURE_3", "CKV_AZURE_44", "CKV_AZURE_35", "CKV_AZURE_36", "CKV_AZURE_59", "CKV_AZURE_190", "CKV2_AZURE_47", "CKV2_AZURE_33",
    "CKV2_AZURE_40", "CKV2_AZURE_41", "CKV2_AZURE_1", "CKV2_AZURE_38", "CKV_AZURE_206", "CKV_AZURE_244", "CKV_AZURE_33", "CKV2_AZURE_21",
    "CKV_AZURE_34", "CKV_AZURE_84",
  ],
};
const checkovNotApplicable: Record<string, string> = {
  CKV2_AZURE_20: "table service logging: the workspace's storage uses no tables",
};

const azurePolicy = {
  machineLearning: [
    "438c38d2-3772-465a-a9cc-7a6666a275ce", "a10ee784-7409-4941-b091-663697637c0f", "6ddb1705-c8cf-450e-aa4b-19ad6703c440",
    "45e05259-1eb5-4f70-9574-baf73e9d219b", "7838fd83-5cbb-4b5d-888c-bfa240972597", "ee40564d-486e-4f68-a5ca-7a621edae0fb",
    "ba769a63-b8cc-4b2d-abf6-ac33c7204be8", "7f40cee6-e933-4d0f-a782-b96615e0f4a6", "5f0c7d88-c7de-45b8-ac49-db49e72eaa78",
    "afe0c3be-ba3b-4544-ba52-0c99672a8ad6", "f59276f0-5740-4aaf-821d-45d185aa210e", "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
    "a6f9a2d0-cff7-4855-83ad-4cd750666512", "7804b5c7-01dc-4723-969b-ae300cc07ff1", "679ddf89-ab8f-48a5-9029-e76054077449",
  ],
  keyVault: [
    "405c5871-3e91-4644-8a63-58e19d68ff5b", "55615ac9-af46-4a59-874e-391cc3dfb490", "a6abeaec-4d90-4a02-805f-6b26c4d3fbe9",
    "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
    "cf820ca0-f99e-4f3e-84fb-66e913812d21", "152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0", "98728c90-32c7-4049-8429-847dc0f4fe37",
    "d8cf8476-a2ec-4916-896e-992351803c44", "587c79fe-dd04-4a5e-9d0b-f89598c7261b", "0e6763cc-5078-4e64-889d-ff4d9a839047",
  ],
  storage: [
    "b2982f36-99f2-4db5-8eff-283140c09693", "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
    "404c3081-a854-4457-ae30-26a93ef643f9", "fe83a0eb-a853-422d-aac2-1bffd182c5d0", "6edd7eda-6dd8-40f7-810d-67160c639cd9",
    "34c877ad-507e-4c82-993e-3452a6e0ad3c", "6fac406b-40ca-413b-bf8e-0bf964659c25", "92a89a79-6c52-4a7e-a03f-61306fc49312",
    "4733ea7b-a883-42fe-8cac-97454c2a9e4a", "640d2586-54d2-465f-877f-9ffc1d2109f4",
  ],
  applicationInsights: ["199d5677-e4d9-4264-9465-efe1839c06bd", "1bc02227-0cb6-4e11-8f53-eb0b22eab7e8", "d550e854-df1a-4de9-bf44-cd894b39a95e"],
};
const azurePolicyNotApplicable: Record<string, string> = {
  "40cec1dd-a100-4920-b15b-3024fe8901ab": "deprecated (replaced by 45e05259)",
  "e413671a-dd10-4cc1-a943-45b598596cb7": "asks for V1LegacyMode, which turns off the managed network isolation the workspace uses",
  "f110a506-2dcb-422e-bcea-d533fc8c35e2": "recreating compute instances for updates is an operation, not configuration",
  "9d4fad1f-5189-4a42-b29e-cf7929c6b6df": "DeployIfNotExists of Key Vault endpoints: the component creates them; 'should use private link' (a6abeaec) is checked",
};

describe("coverage of the ML workspace's Checkov and Azure Policy controls", () => {
  it("has controls to cover", () => {
    expect(Object.values(checkov).flat().length).toBeGreaterThan(10);
    expect(Object.values(azurePolicy).flat().length).toBeGreaterThan(10);
  });
  for (const [service, ids] of Object.entries(checkov)) {
    it(`covers every applicable Checkov check for ${service}`, () => {
      const have = covered(tagPrefix.checkov);
      expect(ids.filter((id) => !have.has(id))).toEqual([]);
    });
  }
  for (const [service, ids] of Object.entries(azurePolicy)) {
    it(`covers every applicable Azure Policy definition for ${service}`, () => {
      const have = covered(tagPrefix.azurePolicy);
      expect(ids.filter((id) => !have.has(id))).toEqual([]);
    });
  }
  it("names what it leaves out, and does not claim to cover it", () => {
    const have = new Set([...covered(tagPrefix.checkov), ...covered(tagPrefix.azurePolicy)]);
    expect(Object.keys({ ...checkovNotApplicable, ...azurePolicyNotApplicable }).filter((id) => have.has(id))).toEqual([]);
  });
  it("checks the workspace settings Checkov has no check for: CMK, HBI, isolation mode, identity type", () => {
    const names = allPolicies.map((p) => p.name);
    for (const gap of [
      "azure-machinelearningservices-workspace-customer-managed-key",
      "azure-machinelearningservices-workspace-hbi-enabled",
      "azure-machinelearningservices-workspace-managed-network-isolation",
      "azure-machinelearningservices-workspace-user-assigned-identity",
    ]) {
      expect(names).toContain(gap);
    }
  });
});
