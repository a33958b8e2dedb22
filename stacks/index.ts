import { SecureMlopsPlatform } from "./platform";
import { readPlatformConfig } from "./read-config";

// The program `pulumi up` runs (Pulumi.yaml `main: stacks/`) and `secure-mlops preview` runs
// offline: config -> typed, validated config -> the platform.
const config = readPlatformConfig();
const platform = new SecureMlopsPlatform("platform", config);

export const resourceGroupName = platform.resourceGroupName;
export const registryLoginServer = platform.registry.loginServer;
export const mlWorkspaceName = platform.mlWorkspace.workspaceName;
export const logAnalyticsWorkspaceId = platform.logAnalyticsWorkspaceId;
// What the deploy workflow's `azure/login` step needs (none is secret), and the persona groups.
export const azureLogin = platform.identity.deployer?.workflowVariables;
export const accessGroupObjectIds = platform.identity.accessGroups.groupObjectIds;
