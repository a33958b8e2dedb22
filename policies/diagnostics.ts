import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { mapped } from "./lib/metadata";
import { refersTo } from "./lib/stack";
import { stackOfTypes } from "./lib/types";

/**
 * Resource types that must send resource logs to Log Analytics, with the label used in messages.
 * Extend this table when a component adds a type; the coverage test reads it.
 */
export const monitoredTypes: Readonly<Record<string, string>> = {
  "azure-native:containerregistry:Registry": "container registry",
  "azure-native:containerservice:ManagedCluster": "Kubernetes cluster",
  "azure-native:machinelearningservices:Workspace": "machine learning workspace",
  "azure-native:keyvault:Vault": "key vault",
  // A storage account's resource logs are emitted per service, not by the account.
  "azure-native:storage:BlobServiceProperties": "blob service",
  "azure-native:storage:FileServiceProperties": "file service",
};

const diagnosticSettingType = "azure-native:monitor:DiagnosticSetting";

function sendsLogsToWorkspace(setting: PolicyResource): boolean {
  const workspaceId: unknown = setting.props["workspaceId"];
  if (typeof workspaceId !== "string" || workspaceId.length === 0) return false;
  const logs: unknown = setting.props["logs"];
  if (!Array.isArray(logs)) return false;
  return logs.some((entry: unknown) => {
    if (typeof entry !== "object" || entry === null) return false;
    const log = entry as Record<string, unknown>;
    const group = typeof log["categoryGroup"] === "string" ? log["categoryGroup"].toLowerCase() : "";
    return log["enabled"] === true && (group === "alllogs" || group === "audit");
  });
}

export const diagnosticSettingsPresent: StackValidationPolicy = {
  name: "azure-monitor-diagnostic-settings-present",
  description:
    "Every monitored resource must have a diagnostic setting that sends its audit or all resource logs to a " +
    "Log Analytics workspace.",
  severity: "medium",
  remediationSteps:
    "Add an `azure-native:monitor:DiagnosticSetting` with `resourceUri` set to the resource's id, `workspaceId` " +
    "set to the Log Analytics workspace, and `logs: [{ categoryGroup: \"allLogs\", enabled: true }]`.",
  ...mapped({
    atlas: ["AML.M0024"],
    nist: ["MEASURE-2.4", "MANAGE-4.1"],
    azurePolicy: ["afe0c3be-ba3b-4544-ba52-0c99672a8ad6", "f59276f0-5740-4aaf-821d-45d185aa210e", "cf820ca0-f99e-4f3e-84fb-66e913812d21"],
    checkov: ["CKV_AZURE_4", "CKV_AZURE_33", "CKV2_AZURE_21"],
    tags: ["monitor", "logging"],
  }),
  validateStack: stackOfTypes(Object.keys(monitoredTypes), (args, report) => {
    const settings = args.resources.filter((r) => r.type === diagnosticSettingType);
    for (const resource of args.resources) {
      const label = monitoredTypes[resource.type];
      if (label === undefined) continue;
      const mine = settings.filter((s) => refersTo(s, "resourceUri", resource));
      if (mine.length === 0) {
        report(`The ${label} '${resource.name}' must have a diagnostic setting that sends its logs to Log Analytics.`, resource.urn);
      } else if (!mine.some(sendsLogsToWorkspace)) {
        report(
          `The ${label} '${resource.name}' must send allLogs or audit logs to a Log Analytics workspace (its diagnostic setting does not).`,
          resource.urn,
        );
      }
    }
  }),
};

export const diagnosticsPolicies = [diagnosticSettingsPresent] as const;
