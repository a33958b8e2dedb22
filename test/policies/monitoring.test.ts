import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagesOf, resourceRecord, startTestPack, type TestPack } from "../support/harness";

const componentType = "azure-native:applicationinsights:Component";
const logsType = "azure-native:operationalinsights:Workspace";

type Props = Record<string, unknown>;

const component = (): Props => ({
  resourceGroupName: "rg",
  resourceName: "appi-mlw",
  kind: "web",
  applicationType: "web",
  workspaceResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log",
  ingestionMode: "LogAnalytics",
  disableLocalAuth: true,
  publicNetworkAccessForIngestion: "Disabled",
  publicNetworkAccessForQuery: "Disabled",
});

const logs = (): Props => ({
  resourceGroupName: "rg",
  workspaceName: "log",
  sku: { name: "PerGB2018" },
  retentionInDays: 365,
  features: { disableLocalAuth: true },
});

let pack: TestPack;
beforeAll(async () => {
  pack = await startTestPack();
});
afterAll(() => pack.close());

async function verdicts(type: string, props: Props): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const d of await pack.analyze(type, props, "subject")) (out[d.policyName] ??= []).push(d.message);
  return out;
}

describe("a compliant Application Insights component and Log Analytics workspace", () => {
  it("pass every resource policy of the strict pack", async () => {
    expect(await verdicts(componentType, component())).toEqual({});
    expect(await verdicts(logsType, logs())).toEqual({});
  });
});

type Case = [when: string, type: string, make: () => Props, flip: (p: Props) => void, policy: string, message: string];

describe("when one secure setting is flipped", () => {
  const cases: Case[] = [
    ["the component is classic", componentType, component, (p) => delete p["workspaceResourceId"], "azure-applicationinsights-component-workspace-based", "The Application Insights component must be backed by a Log Analytics workspace."],
    ["the component ingests into its own store", componentType, component, (p) => (p["ingestionMode"] = "ApplicationInsights"), "azure-applicationinsights-component-workspace-based", 'The Application Insights component must ingest into Log Analytics (got "ApplicationInsights").'],
    ["instrumentation keys are accepted", componentType, component, (p) => (p["disableLocalAuth"] = false), "azure-applicationinsights-component-local-auth-disabled", "The Application Insights component must have local authentication disabled."],
    ["public ingestion is open", componentType, component, (p) => (p["publicNetworkAccessForIngestion"] = "Enabled"), "azure-applicationinsights-component-public-network-disabled", "The Application Insights component must block public network access for ingestion."],
    ["both public paths are left to ARM's default", componentType, component, (p) => { delete p["publicNetworkAccessForIngestion"]; delete p["publicNetworkAccessForQuery"]; }, "azure-applicationinsights-component-public-network-disabled", "The Application Insights component must block public network access for ingestion and query."],
    ["Log Analytics accepts shared keys", logsType, logs, (p) => delete p["features"], "azure-operationalinsights-workspace-local-auth-disabled", "The Log Analytics workspace must have local authentication disabled."],
    ["Log Analytics keeps logs 30 days", logsType, logs, (p) => (p["retentionInDays"] = 30), "azure-operationalinsights-workspace-retention", "The Log Analytics workspace must keep logs at least 90 days (got 30)."],
  ];
  for (const [when, type, make, flip, policy, message] of cases) {
    it(`refuses it when ${when}`, async () => {
      const p = make();
      flip(p);
      expect(await verdicts(type, p)).toEqual({ [policy]: [message] });
    });
  }
});

describe("with the dev pack config", () => {
  afterAll(() => pack.configure({}));
  it("accepts 30 days of logs and public Application Insights", async () => {
    await pack.configure({
      "azure-operationalinsights-workspace-retention": { minDays: 30 },
      "azure-applicationinsights-component-public-network-disabled": { allowPublic: true },
    });
    expect(messagesOf(await pack.analyze(logsType, { ...logs(), retentionInDays: 30 }), "azure-operationalinsights-workspace-retention")).toEqual([]);
    expect(
      messagesOf(
        await pack.analyze(componentType, { ...component(), publicNetworkAccessForIngestion: "Enabled" }),
        "azure-applicationinsights-component-public-network-disabled",
      ),
    ).toEqual([]);
  });
});

describe("azure-network-private-endpoint-dns-zone-group", () => {
  const policy = "azure-network-private-endpoint-dns-zone-group";
  const endpoint = resourceRecord("azure-native:network:PrivateEndpoint", "kv-pe", { name: "kv-pe-1234", subnet: { id: "/s" } });
  it("accepts an endpoint with a zone group that names it", async () => {
    const group = resourceRecord(
      "azure-native:network:PrivateDnsZoneGroup",
      "kv-dns-group",
      { privateEndpointName: "kv-pe-1234", privateDnsZoneConfigs: [{ name: "vault", privateDnsZoneId: "/z" }] },
      { privateEndpointName: [endpoint.urn] },
    );
    expect(messagesOf(await pack.judge([endpoint, group]), policy)).toEqual([]);
  });
  it("accepts a zone group that names the endpoint by a pasted name", async () => {
    const group = resourceRecord("azure-native:network:PrivateDnsZoneGroup", "kv-dns-group", { privateEndpointName: "KV-PE-1234" });
    expect(messagesOf(await pack.judge([endpoint, group]), policy)).toEqual([]);
  });
  it("refuses an endpoint without one", async () => {
    expect(messagesOf(await pack.judge([endpoint]), policy)).toEqual(["The private endpoint 'kv-pe' must have a private DNS zone group."]);
  });
});
