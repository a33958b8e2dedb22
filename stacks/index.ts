import { SecureMlopsPlatform } from "./platform";
import { readPlatformConfig } from "./read-config";

// The program `pulumi up` runs (Pulumi.yaml `main: stacks/`) and `secure-mlops preview` runs
// offline: config -> typed, validated config -> the platform.
const config = readPlatformConfig();
const platform = new SecureMlopsPlatform("platform", config);

export const resourceGroupName = platform.resourceGroupName;
export const registryLoginServer = platform.registry.loginServer;
export const logAnalyticsWorkspaceId = platform.logAnalyticsWorkspaceId;
