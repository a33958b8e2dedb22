import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";

/**
 * Sends a resource's logs (category group `allLogs`) and metrics to a Log Analytics workspace
 * (Azure Verified Modules' `diagnosticSettings`).
 */
export function createDiagnosticSetting(
  name: string,
  parent: pulumi.Resource,
  resourceUri: pulumi.Input<string>,
  workspaceId: pulumi.Input<string>,
  options: { readonly metrics?: boolean } = {},
): monitor.DiagnosticSetting {
  return new monitor.DiagnosticSetting(
    name,
    {
      resourceUri,
      workspaceId,
      logAnalyticsDestinationType: "Dedicated",
      logs: [{ categoryGroup: "allLogs", enabled: true }],
      metrics: options.metrics === false ? undefined : [{ category: "AllMetrics", enabled: true }],
    },
    { parent },
  );
}
