import type { RecordedResource } from "../preview/recorder";

/**
 * A synthetic stack of `count` resources shaped like the platform's: registries with their
 * diagnostic settings, private endpoints and role assignments, plus resource groups.
 */
export function syntheticStack(count: number): RecordedResource[] {
  const out: RecordedResource[] = [];
  const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
  const rec = (type: string, name: string, props: Record<string, unknown>, deps: Record<string, string[]> = {}): RecordedResource => {
    const urn = `urn:pulumi:bench::secure-mlops::${type}::${name}`;
    return { urn, type, name, custom: true, id: `${sub}/x/${name}`, inputs: props, outputs: props, dependencies: Object.values(deps).flat(), propertyDependencies: deps, options: {} };
  };
  for (let i = 0; out.length < count; i++) {
    const registry = rec("azure-native:containerregistry:Registry", `acr${i}`, {
      resourceGroupName: "rg",
      registryName: `acr${i}bench`,
      sku: { name: "Premium" },
      adminUserEnabled: i % 7 === 0,
      anonymousPullEnabled: false,
      publicNetworkAccess: "Disabled",
      zoneRedundancy: "Enabled",
      dataEndpointEnabled: true,
      policies: {
        quarantinePolicy: { status: "enabled" },
        retentionPolicy: { status: "enabled", days: 7 },
        exportPolicy: { status: "disabled" },
        azureADAuthenticationAsArmPolicy: { status: "disabled" },
      },
    });
    out.push(registry);
    out.push(rec("azure-native:monitor:DiagnosticSetting", `acr${i}-diag`, { resourceUri: "x", workspaceId: "/w", logs: [{ categoryGroup: "allLogs", enabled: true }] }, { resourceUri: [registry.urn] }));
    out.push(rec("azure-native:network:PrivateEndpoint", `acr${i}-pe`, { privateLinkServiceConnections: [{ name: "c", privateLinkServiceId: "x", groupIds: ["registry"] }] }, { privateLinkServiceConnections: [registry.urn] }));
    out.push(rec("azure-native:authorization:RoleAssignment", `acr${i}-pull`, { scope: "x", principalId: "p", principalType: "ServicePrincipal", roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d` }, { scope: [registry.urn] }));
    out.push(rec("azure-native:resources:ResourceGroup", `rg${i}`, { location: "westeurope", resourceGroupName: `rg${i}` }));
  }
  out.push(rec("azure-native:security:Pricing", "defender", { pricingName: "Containers", pricingTier: "Standard", scopeId: sub }));
  return out.slice(0, count);
}

/**
 * `count` resources made of copies of a real stack's resources (the prod stack, for a stack that
 * holds every type the platform creates): copy k renames every resource `name~k` and points its
 * parent and dependencies at the copies of the same round, so each copy is a stack of its own.
 */
export function replicateStack(records: readonly RecordedResource[], count: number): RecordedResource[] {
  const out: RecordedResource[] = [];
  for (let k = 0; out.length < count; k++) {
    const rename = (urn: string) => (k === 0 ? urn : `${urn}~${k}`);
    for (const r of records) {
      if (out.length >= count) break;
      out.push({
        ...r,
        urn: rename(r.urn),
        name: k === 0 ? r.name : `${r.name}~${k}`,
        parent: r.parent === undefined ? undefined : rename(r.parent),
        dependencies: r.dependencies.map(rename),
        propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([p, urns]) => [p, urns.map(rename)])),
      });
    }
  }
  return out;
}

/**
 * A synthetic Kubernetes stack of `count` resources: per namespace a labelled Namespace, a
 * NetworkPolicy, and Deployments, StatefulSets and CronJobs built from the restricted pod (one
 * workload in seven runs privileged), so every pod-security, workload and network policy judges.
 */
export function kubernetesStack(count: number): RecordedResource[] {
  const out: RecordedResource[] = [];
  const rec = (type: string, name: string, props: Record<string, unknown>): RecordedResource => {
    const urn = `urn:pulumi:bench::secure-mlops::${type}::${name}`;
    return { urn, type, name, custom: true, id: name, inputs: props, outputs: props, dependencies: [], propertyDependencies: {}, options: {} };
  };
  const image = "crsmlopsprod.azurecr.io/serving/model-server@sha256:" + "0123456789abcdef".repeat(4);
  const pod = (privileged: boolean): Record<string, unknown> => ({
    metadata: { labels: { app: "x" } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "app",
          image,
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, ...(privileged ? { privileged: true } : {}) },
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
          readinessProbe: { httpGet: { path: "/readyz", port: 8080 } },
        },
      ],
    },
  });
  let w = 0;
  for (let n = 0; out.length < count; n++) {
    const namespace = `team-${n}`;
    out.push(rec("kubernetes:core/v1:Namespace", namespace, { metadata: { name: namespace, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }));
    out.push(rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${namespace}-deny`, { metadata: { name: "deny", namespace }, spec: { podSelector: {} } }));
    for (let k = 0; k < 18; k++, w++) {
      const metadata = { name: `w${w}`, namespace };
      const template = pod(w % 7 === 0);
      if (k % 3 === 0) out.push(rec("kubernetes:batch/v1:CronJob", `w${w}`, { metadata, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template } } } }));
      else if (k % 3 === 1) out.push(rec("kubernetes:apps/v1:StatefulSet", `w${w}`, { metadata, spec: { selector: { matchLabels: { app: "x" } }, template } }));
      else out.push(rec("kubernetes:apps/v1:Deployment", `w${w}`, { metadata, spec: { selector: { matchLabels: { app: "x" } }, template } }));
    }
  }
  return out.slice(0, count);
}
