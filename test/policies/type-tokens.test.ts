import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { validateResourceOfType } from "@pulumi/policy";
import * as azuread from "@pulumi/azuread";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as security from "@pulumi/azure-native/security";
import * as storage from "@pulumi/azure-native/storage";
import * as github from "@pulumi/github";
import * as admissionregistrationV1 from "@pulumi/kubernetes/admissionregistration/v1";
import * as appsV1 from "@pulumi/kubernetes/apps/v1";
import * as batchV1 from "@pulumi/kubernetes/batch/v1";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as rbacV1 from "@pulumi/kubernetes/rbac/v1";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as tokens from "../../policies/lib/type-tokens";
import { repoRoot } from "../support/harness";

// The pack names resource classes through stand-ins that carry only the type token, so that it
// does not load the provider SDKs at start (policies/lib/type-tokens.ts).

/** The SDK module of each namespace of stand-ins; typed by the module's exports, so a new namespace must be added here. */
const sdkOf: Record<keyof typeof tokens, Record<string, unknown>> = {
  applicationinsights,
  authorization,
  containerregistry,
  containerservice,
  keyvault,
  kubernetesconfiguration,
  machinelearningservices,
  managedidentity,
  operationalinsights,
  security,
  storage,
  azuread,
  github,
  admissionregistrationV1,
  appsV1,
  batchV1,
  coreV1,
  rbacV1,
};

const tokenOf = (cls: unknown): unknown => (cls as { __pulumiType?: unknown } | undefined)?.__pulumiType;

const standIns = Object.entries(tokens).flatMap(([namespace, classes]) =>
  Object.entries(classes as Record<string, unknown>).map(([name, standIn]) => ({ namespace, name, standIn })),
);

describe("the resource classes' stand-ins", () => {
  it("cover every namespace the module exports, each with classes", () => {
    expect(Object.keys(sdkOf).sort()).toEqual(Object.keys(tokens).sort());
    for (const classes of Object.values(tokens)) expect(Object.keys(classes).length).toBeGreaterThan(0);
    expect(standIns.length).toBeGreaterThan(50);
  });

  it("carry the type token of the SDK's class of the same name", () => {
    expect(standIns.length).toBeGreaterThan(0);
    const ours = standIns.map(({ namespace, name, standIn }) => `${namespace}.${name} ${String(tokenOf(standIn))}`);
    const sdks = standIns.map(({ namespace, name }) => {
      const real = sdkOf[namespace as keyof typeof tokens][name];
      expect(typeof real, `${namespace}.${name} is not a class of the SDK`).toBe("function");
      return `${namespace}.${name} ${String(tokenOf(real))}`;
    });
    expect(ours).toEqual(sdks);
  });

  it("give validateResourceOfType what the class gives it, and the SDK's types to the policy", () => {
    const props: unknown[] = [];
    const ofStandIn = validateResourceOfType(tokens.storage.StorageAccount, (account) => void props.push(account));
    const ofClass = validateResourceOfType(storage.StorageAccount, (account) => void props.push(account));
    expect(tokenOf(ofStandIn)).toBe("azure-native:storage:StorageAccount");
    expect(tokenOf(ofStandIn)).toBe(tokenOf(ofClass));
    expectTypeOf(tokens.storage.StorageAccount).toEqualTypeOf<typeof storage.StorageAccount>();
    expectTypeOf(tokens.coreV1.Pod).toEqualTypeOf<typeof coreV1.Pod>();
  });

  it("are frozen tokens, not classes: nothing of the SDK runs through them", () => {
    const standIn = tokens.storage.StorageAccount;
    expect(Object.keys(standIn)).toEqual(["__pulumiType"]);
    expect(Object.isFrozen(standIn)).toBe(true);
    expect(() => Reflect.construct(standIn, ["account", {}])).toThrow(TypeError);
  });
});

describe("the policy pack's entry", () => {
  // What the Pulumi CLI's runner loads (policies/package.json "main"), from the sources; the
  // names of the modules it loaded, before and after requiring one SDK module itself (which shows
  // the check sees an SDK when there is one).
  const probe = `
    const sdk = /[\\\\/]node_modules[\\\\/]@pulumi[\\\\/](azure-native|azuread|github|kubernetes)[\\\\/]/;
    const loaded = () => Object.keys(require.cache);
    require("./pack-entry.cjs");
    const ours = ["index.ts", "all.ts", "storage.ts", "lib/type-tokens.ts"].map((f) => require("node:path").join(process.cwd(), f));
    const policies = ours.filter((f) => f in require.cache).length;
    const before = loaded().filter((k) => sdk.test(k));
    require("@pulumi/azure-native/storage");
    const after = loaded().filter((k) => sdk.test(k)).length;
    process.stdout.write(JSON.stringify({ policies, before, after }));
    process.exit(0);
  `;

  it("loads every policy and none of the provider SDKs", () => {
    const r = spawnSync(process.execPath, ["-e", probe], {
      cwd: path.join(repoRoot, "policies"),
      encoding: "utf8",
      env: { ...process.env, SECURE_MLOPS_FROM_SOURCES: "1" },
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const seen = JSON.parse(r.stdout) as { policies: number; before: string[]; after: number };
    expect(seen.policies).toBe(4);
    expect(seen.before).toEqual([]);
    expect(seen.after).toBeGreaterThan(0);
  });
});
