import type * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import type { ResolvedMlWorkspaceArgs } from "./args";

/** Application Insights on the Log Analytics workspace, Entra-only ingestion, closed when the workspace is. */
export function createApplicationInsights(parent: pulumi.Resource, a: ResolvedMlWorkspaceArgs): applicationinsights.Component {
  const access = a.publicNetworkAccess ? "Enabled" : "Disabled";
  return new applicationinsights.Component(
    `${a.name}-appi`,
    {
      resourceName: a.applicationInsightsName,
      resourceGroupName: a.resourceGroupName,
      location: a.location,
      kind: "web",
      applicationType: "web",
      // Workspace-based: classic (ingestionMode ApplicationInsights) is retired.
      workspaceResourceId: a.logAnalyticsWorkspaceId,
      ingestionMode: "LogAnalytics",
      disableLocalAuth: !a.applicationInsightsLocalAuth,
      publicNetworkAccessForIngestion: access,
      publicNetworkAccessForQuery: access,
      tags: a.tags,
    },
    { parent },
  );
}
