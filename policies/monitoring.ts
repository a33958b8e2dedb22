import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { applicationinsights, operationalinsights } from "./lib/type-tokens";
import { mapped } from "./lib/metadata";
import { isSetOrComputed } from "./lib/preview";
import { sameEnum } from "./lib/values";
import { knobsOf } from "./lib/config";

// Application Insights and Log Analytics: where the workspace's telemetry and every diagnostic log
// land. Logs an attacker can write with a shared key, or read from anywhere, are not evidence.

export const componentWorkspaceBased: ResourceValidationPolicy = {
  name: "azure-applicationinsights-component-workspace-based",
  description:
    "Application Insights components must be workspace-based (data in a Log Analytics workspace), not classic.",
  severity: "medium",
  remediationSteps: "Set `workspaceResourceId` to the Log Analytics workspace and `ingestionMode: \"LogAnalytics\"`.",
  ...mapped({
    atlas: ["AML.M0024"],
    nist: ["MEASURE-2.4", "MANAGE-4.1"],
    azurePolicy: ["d550e854-df1a-4de9-bf44-cd894b39a95e"],
    tags: ["monitor", "logging"],
  }),
  validateResource: validateResourceOfType(applicationinsights.Component, (component, _args, report) => {
    if (!isSetOrComputed(() => component.workspaceResourceId)) {
      report("The Application Insights component must be backed by a Log Analytics workspace.");
    } else if (component.ingestionMode !== undefined && !sameEnum(component.ingestionMode, "LogAnalytics")) {
      report(`The Application Insights component must ingest into Log Analytics (got ${JSON.stringify(component.ingestionMode)}).`);
    }
  }),
};

export const componentLocalAuthDisabled: ResourceValidationPolicy = {
  name: "azure-applicationinsights-component-local-auth-disabled",
  description:
    "Application Insights components must refuse instrumentation-key ingestion; telemetry is accepted from Entra " +
    "identities only, so nobody holding the key can forge it.",
  severity: "medium",
  remediationSteps: "Set `disableLocalAuth: true` and grant senders Monitoring Metrics Publisher.",
  ...mapped({
    atlas: ["AML.M0024", "AML.M0005"],
    nist: ["MEASURE-2.4"],
    azurePolicy: ["199d5677-e4d9-4264-9465-efe1839c06bd"],
    tags: ["monitor", "identity"],
  }),
  validateResource: validateResourceOfType(applicationinsights.Component, (component, _args, report) => {
    if (component.disableLocalAuth !== true) {
      report("The Application Insights component must have local authentication disabled.");
    }
  }),
};

export const componentPublicNetworkDisabled: ResourceValidationPolicy = {
  name: "azure-applicationinsights-component-public-network-disabled",
  description:
    "Application Insights components must block ingestion and queries from public networks (through an Azure " +
    "Monitor Private Link Scope); `allowPublic` permits them where an environment has no private link scope.",
  severity: "medium",
  remediationSteps:
    "Set `publicNetworkAccessForIngestion` and `publicNetworkAccessForQuery` to `Disabled` and connect the component " +
    "to the landing zone's Azure Monitor Private Link Scope.",
  ...mapped({
    atlas: ["AML.M0024", "AML.M0005"],
    nist: ["MEASURE-2.4", "MEASURE-2.7"],
    azurePolicy: ["1bc02227-0cb6-4e11-8f53-eb0b22eab7e8"],
    tags: ["monitor", "network"],
  }),
  configSchema: {
    properties: {
      allowPublic: { type: "boolean", default: false, description: "Allow public ingestion and query." },
    },
  },
  validateResource: validateResourceOfType(applicationinsights.Component, (component, args, report) => {
    const { allowPublic } = knobsOf<{ allowPublic: boolean }>(componentPublicNetworkDisabled, args);
    if (allowPublic) return;
    // ARM's default for both is Enabled.
    const open = [
      ["ingestion", component.publicNetworkAccessForIngestion],
      ["query", component.publicNetworkAccessForQuery],
    ].filter(([, v]) => !sameEnum(v, "Disabled")).map(([what]) => what);
    if (open.length > 0) {
      report(`The Application Insights component must block public network access for ${open.join(" and ")}.`);
    }
  }),
};

export const logWorkspaceLocalAuthDisabled: ResourceValidationPolicy = {
  name: "azure-operationalinsights-workspace-local-auth-disabled",
  description:
    "Log Analytics workspaces must refuse shared-key ingestion and queries, so only Entra identities write or read the logs.",
  severity: "medium",
  remediationSteps: "Set `features: { disableLocalAuth: true }`.",
  ...mapped({
    atlas: ["AML.M0024", "AML.M0005"],
    nist: ["MEASURE-2.4"],
    tags: ["monitor", "identity"],
  }),
  validateResource: validateResourceOfType(operationalinsights.Workspace, (workspace, _args, report) => {
    if (workspace.features?.disableLocalAuth !== true) {
      report("The Log Analytics workspace must have local authentication disabled.");
    }
  }),
};

export const logWorkspaceRetention: ResourceValidationPolicy = {
  name: "azure-operationalinsights-workspace-retention",
  description: "Log Analytics workspaces must keep logs at least `minDays`, long enough to investigate an incident.",
  severity: "low",
  remediationSteps: "Set `retentionInDays` to at least the environment's minimum (90 by default, 365 in production).",
  ...mapped({
    atlas: ["AML.M0024"],
    nist: ["MANAGE-4.1", "MEASURE-2.4"],
    tags: ["monitor", "logging"],
  }),
  configSchema: {
    properties: {
      minDays: { type: "integer", minimum: 30, maximum: 730, default: 90, description: "Shortest retention allowed." },
    },
  },
  validateResource: validateResourceOfType(operationalinsights.Workspace, (workspace, args, report) => {
    const { minDays } = knobsOf<{ minDays: number }>(logWorkspaceRetention, args);
    // ARM's default retention is 30 days.
    const days = workspace.retentionInDays ?? 30;
    if (days < minDays) {
      report(`The Log Analytics workspace must keep logs at least ${minDays} days (got ${days}).`);
    }
  }),
};

export const monitoringPolicies: readonly ResourceValidationPolicy[] = [
  componentWorkspaceBased,
  componentLocalAuthDisabled,
  componentPublicNetworkDisabled,
  logWorkspaceLocalAuthDisabled,
  logWorkspaceRetention,
];
