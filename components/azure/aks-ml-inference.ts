import * as pulumi from "@pulumi/pulumi";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import { checker } from "../lib/errors";

export const aksMlInferenceType = "secure-mlops:azure:AksMlInference";

/** The serving certificate of the inference router (azureml-fe), kept in protected settings. */
export interface AksMlInferenceTls {
  /** The host name clients call; the certificate must be issued for it. */
  readonly cname: string;
  readonly certPem: pulumi.Input<string>;
  readonly keyPem: pulumi.Input<string>;
}

/** One online deployment behind the endpoint. */
export interface AksMlDeploymentSpec {
  /** 1-32 lower-case letters, digits and dashes; also the child key. */
  readonly name: string;
  /** Model asset id (`azureml:...` or an ARM id). */
  readonly model: pulumi.Input<string>;
  readonly environmentId?: pulumi.Input<string>;
  /** An instance type of the compute. @default the compute's default instance type */
  readonly instanceType?: string;
  /** Percentage of traffic. @default 100 */
  readonly traffic?: number;
}

export interface AksMlInferenceArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location?: pulumi.Input<string>;
  /** The AKS cluster the extension goes on. */
  readonly clusterName: pulumi.Input<string>;
  readonly clusterId: pulumi.Input<string>;
  /** The workspace the Kubernetes compute and the endpoint belong to. */
  readonly workspaceName: pulumi.Input<string>;
  readonly tls: AksMlInferenceTls;
  /** Name of the workspace's Kubernetes compute, 2-16 characters. @default "aks-inference" */
  readonly computeName?: string;
  /** Namespace of inference workloads. @default "azureml-inference" */
  readonly namespace?: string;
  /** Online endpoint name, 3-32 characters, unique in the region. */
  readonly endpointName: string;
  readonly deployments?: readonly AksMlDeploymentSpec[];

  /** @default false */
  readonly allowInsecureConnections?: boolean;
  /** @default "loadBalancer" (internal: `internalLoadBalancerProvider: azure`) */
  readonly inferenceRouterServiceType?: "loadBalancer" | "clusterIP" | "nodePort";
  /** @default true */
  readonly internalLoadBalancer?: boolean;
  /** @default false */
  readonly enableTraining?: boolean;
  /** @default true */
  readonly computeLocalAuthDisabled?: boolean;
  /** @default "AADToken" */
  readonly endpointAuthMode?: "AADToken" | "AMLToken" | "Key";
  /** @default false */
  readonly endpointPublicNetworkAccess?: boolean;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The component's secure defaults, in one place; each has an argument that overrides it. */
export const aksMlInferenceDefaults = {
  computeName: "aks-inference",
  namespace: "azureml-inference",
  allowInsecureConnections: false,
  inferenceRouterServiceType: "loadBalancer",
  internalLoadBalancer: true,
  enableTraining: false,
  computeLocalAuthDisabled: true,
  endpointAuthMode: "AADToken",
  endpointPublicNetworkAccess: false,
} as const;

const endpointNamePattern = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
const deploymentNamePattern = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const computeNamePattern = /^[a-zA-Z][a-zA-Z0-9-]{1,15}$/;
const hostPattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function validateAksMlInferenceArgs(args: AksMlInferenceArgs): void {
  const check = checker(aksMlInferenceType);
  const d = aksMlInferenceDefaults;
  check(endpointNamePattern.test(args.endpointName), "endpointName", `must be 3-32 letters, digits and dashes starting with a letter, got "${args.endpointName}"`);
  const compute = args.computeName ?? d.computeName;
  check(computeNamePattern.test(compute), "computeName", `must be 2-16 letters, digits and dashes starting with a letter, got "${compute}"`);
  check(hostPattern.test(args.tls.cname), "tls.cname", `must be a lower-case DNS name, got "${args.tls.cname}"`);
  const seen = new Set<string>();
  let traffic = 0;
  (args.deployments ?? []).forEach((dep, i) => {
    check(deploymentNamePattern.test(dep.name), `deployments[${i}].name`, `must be 2-32 lower-case letters, digits and dashes, got "${dep.name}"`);
    check(!seen.has(dep.name), `deployments[${i}].name`, `"${dep.name}" is used twice`);
    seen.add(dep.name);
    const share = dep.traffic ?? 100;
    check(Number.isInteger(share) && share >= 0 && share <= 100, `deployments[${i}].traffic`, `must be an integer from 0 to 100, got ${share}`);
    traffic += share;
  });
  check((args.deployments ?? []).length === 0 || traffic === 100, "deployments", `traffic must add up to 100, got ${traffic}`);
}

/**
 * Azure ML serving on an AKS cluster: the `Microsoft.AzureML.Kubernetes` extension for inference
 * only, HTTPS only behind an internal load balancer with its certificate in protected settings;
 * the workspace's Kubernetes compute without local auth; an online endpoint with Entra token auth
 * and no public network access, and its deployments.
 */
export class AksMlInference extends pulumi.ComponentResource {
  readonly extension: kubernetesconfiguration.Extension;
  readonly computeId: pulumi.Output<string>;
  readonly endpointName: pulumi.Output<string>;
  readonly scoringUri: pulumi.Output<string | undefined>;

  constructor(name: string, args: AksMlInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(aksMlInferenceType, name, {}, opts);
    validateAksMlInferenceArgs(args);
    const d = aksMlInferenceDefaults;
    const routerType = args.inferenceRouterServiceType ?? d.inferenceRouterServiceType;
    const internal = args.internalLoadBalancer ?? d.internalLoadBalancer;
    const namespace = args.namespace ?? d.namespace;

    // The extension reads its settings as strings ("True"/"False").
    const flag = (v: boolean): string => (v ? "True" : "False");
    const settings: Record<string, string> = {
      enableInference: "True",
      enableTraining: flag(args.enableTraining ?? d.enableTraining),
      allowInsecureConnections: flag(args.allowInsecureConnections ?? d.allowInsecureConnections),
      inferenceRouterServiceType: routerType,
      inferenceRouterHA: "True",
      sslCname: args.tls.cname,
    };
    if (routerType === "loadBalancer" && internal) settings["internalLoadBalancerProvider"] = "azure";

    this.extension = new kubernetesconfiguration.Extension(
      `${name}-extension`,
      {
        extensionName: "azureml",
        extensionType: "Microsoft.AzureML.Kubernetes",
        clusterRp: "Microsoft.ContainerService",
        clusterResourceName: "managedClusters",
        clusterName: args.clusterName,
        resourceGroupName: args.resourceGroupName,
        scope: { cluster: { releaseNamespace: "azureml" } },
        autoUpgradeMinorVersion: true,
        releaseTrain: "stable",
        configurationSettings: settings,
        configurationProtectedSettings: pulumi.secret(
          pulumi.all([args.tls.certPem, args.tls.keyPem]).apply(([cert, key]) => ({ sslCertPemFile: cert, sslKeyPemFile: key })),
        ),
      },
      { parent: this },
    );

    const compute = new machinelearningservices.Compute(
      `${name}-compute`,
      {
        computeName: args.computeName ?? d.computeName,
        workspaceName: args.workspaceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        identity: { type: "SystemAssigned" },
        properties: {
          computeType: "Kubernetes",
          resourceId: args.clusterId,
          disableLocalAuth: args.computeLocalAuthDisabled ?? d.computeLocalAuthDisabled,
          description: "AKS inference compute (secure-mlops)",
          properties: { namespace },
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.extension] },
    );
    this.computeId = compute.id;

    const deployments = args.deployments ?? [];
    const endpoint = new machinelearningservices.OnlineEndpoint(
      `${name}-endpoint`,
      {
        endpointName: args.endpointName,
        workspaceName: args.workspaceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        identity: { type: "SystemAssigned" },
        properties: {
          authMode: args.endpointAuthMode ?? d.endpointAuthMode,
          publicNetworkAccess: (args.endpointPublicNetworkAccess ?? d.endpointPublicNetworkAccess) ? "Enabled" : "Disabled",
          compute: compute.id,
          traffic: deployments.length > 0 ? Object.fromEntries(deployments.map((dep) => [dep.name, dep.traffic ?? 100])) : undefined,
        },
        tags: args.tags,
      },
      { parent: this },
    );
    this.endpointName = endpoint.name;
    this.scoringUri = endpoint.properties.apply((p) => p.scoringUri);

    for (const dep of deployments) {
      new machinelearningservices.OnlineDeployment(
        `${name}-deployment-${dep.name}`,
        {
          deploymentName: dep.name,
          endpointName: endpoint.name,
          workspaceName: args.workspaceName,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          properties: {
            endpointComputeType: "Kubernetes",
            model: dep.model,
            environmentId: dep.environmentId,
            instanceType: dep.instanceType,
            appInsightsEnabled: true,
          },
          tags: args.tags,
        },
        { parent: this },
      );
    }

    this.registerOutputs({ computeId: this.computeId, endpointName: this.endpointName, scoringUri: this.scoringUri });
  }
}
