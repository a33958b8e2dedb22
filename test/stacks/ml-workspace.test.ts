import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Violation } from "../../preview/engine";
import type { RecordedResource } from "../../preview/recorder";
import { ConfigError } from "../../stacks/errors";
import { parsePlatformConfig, type PlatformConfig } from "../../stacks/config";
import { record, recordWithOfflineMocks, repoRoot, startTestPack, type TestPack } from "../support/harness";

await recordWithOfflineMocks();
const { SecureMlopsPlatform } = await import("../../stacks/platform");

type Env = "dev" | "staging" | "prod";

/** The stack file's `secure-mlops:*` settings, as `pulumi up` would read them. */
function stackConfig(env: Env): Record<string, unknown> {
  const file = parse(fs.readFileSync(path.join(repoRoot, "stacks", `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(file.config)
      .filter(([key]) => key.startsWith("secure-mlops:"))
      .map(([key, value]) => [key.slice("secure-mlops:".length), value]),
  );
}
const packConfig = (env: Env): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(repoRoot, "policies", "config", `${env}.json`), "utf8")) as Record<string, unknown>;

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

let counter = 0;
async function platform(config: PlatformConfig): Promise<RecordedResource[]> {
  const name = `platform${++counter}`;
  const rs = await record(() => new SecureMlopsPlatform(name, config));
  return rs.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}
async function judged(env: Env, config: PlatformConfig): Promise<{ rs: RecordedResource[]; violations: Violation[] }> {
  const rs = await platform(config);
  await pack.configure(packConfig(env));
  try {
    return { rs, violations: await pack.judge(rs) };
  } finally {
    await pack.configure({});
  }
}
const mandatory = (vs: readonly Violation[]): string[] => vs.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policyName}: ${v.message}`);

describe("the stacks' Defender plans", () => {
  it("are created once, by the platform, and move from the registry and workspace they were children of", async () => {
    const rs = await platform(parsePlatformConfig("secure-mlops", stackConfig("prod")));
    const n = `platform${counter}`;
    const root = "urn:pulumi:test::secure-mlops::secure-mlops:platform:SecureMlopsPlatform";
    const plans = rs.filter((r) => r.type === "azure-native:security:Pricing");
    expect(plans.map((p) => [p.name, p.inputs["pricingName"], p.parent, p.options.aliases]).sort()).toEqual([
      [`${n}-defender-containers`, "Containers", `${root}$secure-mlops:azure:DefenderPlans::${n}-defender`, [`${root}$secure-mlops:azure:SecureRegistry$azure-native:security:Pricing::${n}-acr-defender-containers`]],
      [`${n}-defender-keyvault`, "KeyVaults", `${root}$secure-mlops:azure:DefenderPlans::${n}-defender`, [`${root}$secure-mlops:azure:MlWorkspace$azure-native:security:Pricing::${n}-mlw-defender-keyvault`]],
      [`${n}-defender-storage`, "StorageAccounts", `${root}$secure-mlops:azure:DefenderPlans::${n}-defender`, [`${root}$secure-mlops:azure:MlWorkspace$azure-native:security:Pricing::${n}-mlw-defender-storage`]],
    ]);
  });

  it("follow the stack file's switches", async () => {
    const config = parsePlatformConfig("secure-mlops", { ...stackConfig("dev"), defenderForContainers: false, mlWorkspace: { defenderForKeyVault: false } });
    const rs = await platform(config);
    expect(rs.filter((r) => r.type === "azure-native:security:Pricing").map((p) => p.inputs["pricingName"])).toEqual(["StorageAccounts"]);
  });
});

describe("the stacks' ML workspace", () => {
  for (const env of ["dev", "staging", "prod"] as const) {
    it(`is in the ${env} stack, on the platform's registry, logs and endpoint subnet, and passes the ${env} pack`, async () => {
      const { rs, violations } = await judged(env, parsePlatformConfig("secure-mlops", stackConfig(env)));
      const ws = rs.filter((r) => r.type === "azure-native:machinelearningservices:Workspace");
      expect(ws.map((w) => w.inputs["workspaceName"])).toEqual([`mlw-smlops-${env}`]);
      const registry = rs.find((r) => r.type === "azure-native:containerregistry:Registry");
      const logs = rs.find((r) => r.type === "azure-native:operationalinsights:Workspace");
      const subnet = rs.find((r) => r.type === "azure-native:network:Subnet");
      expect(ws[0]?.inputs["containerRegistry"]).toBe(registry?.id);
      const wsDiag = rs.find((r) => r.type === "azure-native:monitor:DiagnosticSetting" && r.inputs["resourceUri"] === ws[0]?.id);
      expect(wsDiag?.inputs["workspaceId"]).toBe(logs?.id);
      const wsEndpoint = rs.find((r) => r.type === "azure-native:network:PrivateEndpoint" && r.name.endsWith("-mlw-amlworkspace-pe"));
      expect((wsEndpoint?.inputs["subnet"] as { id?: unknown } | undefined)?.id).toBe(subnet?.id);
      expect(mandatory(violations)).toEqual([]);
    });
  }

  it("passes the strict pack (no config) in prod", async () => {
    const rs = await platform(parsePlatformConfig("secure-mlops", stackConfig("prod")));
    expect(mandatory(await pack.judge(rs))).toEqual([]);
  });

  it("keeps dev's public access to the named range on Key Vault and storage", async () => {
    const rs = await platform(parsePlatformConfig("secure-mlops", stackConfig("dev")));
    const account = rs.find((r) => r.type === "azure-native:storage:StorageAccount");
    expect([account?.inputs["publicNetworkAccess"], account?.inputs["networkRuleSet"]]).toEqual([
      "Enabled",
      { defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ action: "Allow", iPAddressOrRange: "203.0.113.0/24" }] },
    ]);
  });

  for (const env of ["staging", "prod"] as const) {
    it(`refuses public access in ${env}, even for a named range`, async () => {
      const raw = stackConfig(env);
      const config = parsePlatformConfig("secure-mlops", { ...raw, mlWorkspace: { ...(raw["mlWorkspace"] as object), publicNetworkAccess: true, allowedIpRanges: ["203.0.113.0/24"] } });
      const { violations } = await judged(env, config);
      expect([...new Set(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName))].sort()).toEqual([
        "azure-applicationinsights-component-public-network-disabled",
        "azure-keyvault-vault-public-network-disabled",
        "azure-machinelearningservices-workspace-hbi-storage-private",
        "azure-machinelearningservices-workspace-public-network-disabled",
        "azure-storage-account-public-network-disabled",
      ]);
    });
  }
});

describe("the mlWorkspace stack setting", () => {
  const base = (): Record<string, unknown> => stackConfig("staging");
  function errorOf(mlWorkspace: unknown): string {
    try {
      parsePlatformConfig("secure-mlops", { ...base(), mlWorkspace });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error("expected a ConfigError");
  }
  const cases: [string, unknown, string][] = [
    ["an outbound FQDN is a URL", { outboundRules: [{ name: "pypi", type: "FQDN", destination: "https://pypi.org/simple" }] }, 'invalid config secure-mlops:mlWorkspace.outboundRules[0].destination: must be a host name like "pypi.org" or "*.example.com" (no scheme, port or path), got "https://pypi.org/simple"'],
    ["an FQDN rule has no destination", { outboundRules: [{ name: "pypi", type: "FQDN" }] }, "invalid config secure-mlops:mlWorkspace.outboundRules[0].destination: is required for a FQDN rule"],
    ["a service tag rule has no ports", { outboundRules: [{ name: "mon", type: "ServiceTag", serviceTag: "AzureMonitor", protocol: "TCP" }] }, "invalid config secure-mlops:mlWorkspace.outboundRules[0].portRanges: is required for a ServiceTag rule"],
    ["a port range is reversed", { outboundRules: [{ name: "mon", type: "ServiceTag", serviceTag: "AzureMonitor", protocol: "TCP", portRanges: "443-80" }] }, 'invalid config secure-mlops:mlWorkspace.outboundRules[0].portRanges: must be ports or ranges within 1-65535 like "443" or "8000-8080", got "443-80"'],
    ["a rule type is unknown", { outboundRules: [{ name: "x", type: "Internet" }] }, 'invalid config secure-mlops:mlWorkspace.outboundRules[0].type: must be one of "FQDN", "PrivateEndpoint", "ServiceTag"'],
    ["an IP range is not CIDR", { publicNetworkAccess: true, allowedIpRanges: ["203.0.113.0/24", "203.0.113/24"] }, 'invalid config secure-mlops:mlWorkspace.allowedIpRanges[1]: must be an IPv4 address or CIDR range like 203.0.113.0/24, got "203.0.113/24"'],
    ["public access names no range", { publicNetworkAccess: true }, "invalid config secure-mlops:mlWorkspace.allowedIpRanges: must name at least one IPv4 range when publicNetworkAccess is true"],
    ["a setting is unknown", { adminUser: true }, "invalid config secure-mlops:mlWorkspace.adminUser: is not a known setting"],
    ["the isolation mode is misspelled", { isolationMode: "ApprovedOnly" }, 'invalid config secure-mlops:mlWorkspace.isolationMode: must be one of "AllowOnlyApprovedOutbound", "AllowInternetOutbound", "Disabled"'],
  ];
  for (const [when, value, message] of cases) {
    it(`names the key when ${when}`, () => {
      expect(errorOf(value)).toBe(message);
    });
  }
  it("is optional: a stack without it gets its environment profile", () => {
    const raw = base();
    delete raw["mlWorkspace"];
    expect(parsePlatformConfig("secure-mlops", raw).mlWorkspace).toBeUndefined();
  });
});
