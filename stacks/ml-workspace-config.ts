import type { JSONSchemaType } from "ajv";
import { firewallIpRule, isFqdn, isIpv4AddressOrCidr, isPortRanges } from "../components/lib/formats";

/**
 * The `secure-mlops:mlWorkspace` stack setting: what an environment changes about the platform's
 * ML workspace. Every key is optional; the environment profile (stacks/profiles.ts) fills the rest,
 * and the component's secure defaults everything else.
 */

/** One outbound rule of the managed network, flat as YAML writes it; `type` says which fields apply. */
export interface MlOutboundRuleConfig {
  readonly name: string;
  readonly type: "FQDN" | "PrivateEndpoint" | "ServiceTag";
  /** FQDN: the host name (`pypi.org`, `*.example.com`). */
  readonly destination?: string;
  /** PrivateEndpoint: ARM id of the target resource. */
  readonly serviceResourceId?: string;
  /** PrivateEndpoint: its private link sub-resource (`blob`, `vault`, ...). */
  readonly subresourceTarget?: string;
  /** ServiceTag: the Azure service tag. */
  readonly serviceTag?: string;
  readonly protocol?: "TCP" | "UDP" | "ICMP" | "*";
  readonly portRanges?: string;
  readonly addressPrefixes?: string[];
}

export interface MlComputeClusterConfig {
  readonly name: string;
  readonly vmSize?: string;
  readonly minNodes?: number;
  readonly maxNodes?: number;
  readonly idleMinutesBeforeScaleDown?: number;
  readonly lowPriority?: boolean;
}

export interface MlWorkspaceConfig {
  /** Public access to the workspace, its vault, storage and Application Insights (dev only; needs allowedIpRanges). */
  readonly publicNetworkAccess?: boolean;
  /** IPv4 ranges allowed through the vault and storage firewalls when public access is on. */
  readonly allowedIpRanges?: string[];
  readonly isolationMode?: "AllowOnlyApprovedOutbound" | "AllowInternetOutbound" | "Disabled";
  readonly outboundRules?: MlOutboundRuleConfig[];
  readonly firewallSku?: "Standard" | "Basic";
  /** Create an HSM-backed customer-managed key for the workspace and its storage. */
  readonly customerManagedKey?: boolean;
  readonly hbiWorkspace?: boolean;
  readonly storageReplication?: "Standard_ZRS" | "Standard_GRS" | "Standard_GZRS" | "Standard_RAGRS" | "Standard_RAGZRS" | "Standard_LRS";
  readonly computeClusters?: MlComputeClusterConfig[];
  /** Defender for Storage on the subscription (the platform's DefenderPlans, not the workspace). */
  readonly defenderForStorage?: boolean;
  /** Defender for Key Vault on the subscription (the platform's DefenderPlans, not the workspace). */
  readonly defenderForKeyVault?: boolean;
  readonly lock?: "CanNotDelete" | "ReadOnly";
}

const name = "^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$";

/** Structure and enums; formats with their own clear messages are checked by `mlWorkspaceConfigProblem`. */
export const mlWorkspaceConfigSchema: JSONSchemaType<MlWorkspaceConfig> = {
  type: "object",
  additionalProperties: false,
  required: [],
  properties: {
    publicNetworkAccess: { type: "boolean", nullable: true },
    allowedIpRanges: { type: "array", items: { type: "string" }, nullable: true },
    isolationMode: { type: "string", enum: ["AllowOnlyApprovedOutbound", "AllowInternetOutbound", "Disabled"], nullable: true },
    outboundRules: {
      type: "array",
      nullable: true,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "type"],
        properties: {
          name: { type: "string", pattern: name },
          type: { type: "string", enum: ["FQDN", "PrivateEndpoint", "ServiceTag"] },
          destination: { type: "string", nullable: true },
          serviceResourceId: { type: "string", nullable: true },
          subresourceTarget: { type: "string", nullable: true },
          serviceTag: { type: "string", nullable: true },
          protocol: { type: "string", enum: ["TCP", "UDP", "ICMP", "*"], nullable: true },
          portRanges: { type: "string", nullable: true },
          addressPrefixes: { type: "array", items: { type: "string" }, nullable: true },
        },
      },
    },
    firewallSku: { type: "string", enum: ["Standard", "Basic"], nullable: true },
    customerManagedKey: { type: "boolean", nullable: true },
    hbiWorkspace: { type: "boolean", nullable: true },
    storageReplication: {
      type: "string",
      enum: ["Standard_ZRS", "Standard_GRS", "Standard_GZRS", "Standard_RAGRS", "Standard_RAGZRS", "Standard_LRS"],
      nullable: true,
    },
    computeClusters: {
      type: "array",
      nullable: true,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name"],
        properties: {
          name: { type: "string", pattern: "^[a-zA-Z][a-zA-Z0-9-]{1,15}$" },
          vmSize: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_]{2,63}$", nullable: true },
          minNodes: { type: "integer", minimum: 0, nullable: true },
          maxNodes: { type: "integer", minimum: 1, nullable: true },
          idleMinutesBeforeScaleDown: { type: "integer", minimum: 1, maximum: 10080, nullable: true },
          lowPriority: { type: "boolean", nullable: true },
        },
      },
    },
    defenderForStorage: { type: "boolean", nullable: true },
    defenderForKeyVault: { type: "boolean", nullable: true },
    lock: { type: "string", enum: ["CanNotDelete", "ReadOnly"], nullable: true },
  },
};

/** A problem with the setting: the path under `mlWorkspace` (e.g. `outboundRules[0].destination`) and what is wrong. */
export interface ConfigProblem {
  readonly path: string;
  readonly detail: string;
}

/** Checks what the schema cannot say clearly: formats, and the fields each rule type needs. */
export function mlWorkspaceConfigProblem(config: MlWorkspaceConfig): ConfigProblem | undefined {
  const ranges = config.allowedIpRanges ?? [];
  for (const [i, range] of ranges.entries()) {
    if (!isIpv4AddressOrCidr(range)) return { path: `allowedIpRanges[${i}]`, detail: `must be an IPv4 address or CIDR range like 203.0.113.0/24, got "${range}"` };
    if (firewallIpRule(range) === undefined) return { path: `allowedIpRanges[${i}]`, detail: `must not be a /31 range (list the two addresses), got "${range}"` };
  }
  if (config.publicNetworkAccess === true && ranges.length === 0) {
    return { path: "allowedIpRanges", detail: "must name at least one IPv4 range when publicNetworkAccess is true" };
  }
  for (const [i, rule] of (config.outboundRules ?? []).entries()) {
    const at = `outboundRules[${i}]`;
    const need = (field: keyof MlOutboundRuleConfig): ConfigProblem | undefined =>
      rule[field] === undefined ? { path: `${at}.${field}`, detail: `is required for a ${rule.type} rule` } : undefined;
    if (rule.type === "FQDN") {
      const missing = need("destination");
      if (missing) return missing;
      if (!isFqdn(rule.destination ?? "", { wildcard: true })) {
        return { path: `${at}.destination`, detail: `must be a host name like "pypi.org" or "*.example.com" (no scheme, port or path), got "${rule.destination ?? ""}"` };
      }
    } else if (rule.type === "PrivateEndpoint") {
      const missing = need("serviceResourceId") ?? need("subresourceTarget");
      if (missing) return missing;
    } else {
      const missing = need("serviceTag") ?? need("protocol") ?? need("portRanges");
      if (missing) return missing;
      if (!isPortRanges(rule.portRanges ?? "")) {
        return { path: `${at}.portRanges`, detail: `must be ports or ranges within 1-65535 like "443" or "8000-8080", got "${rule.portRanges ?? ""}"` };
      }
      for (const [j, prefix] of (rule.addressPrefixes ?? []).entries()) {
        if (!isIpv4AddressOrCidr(prefix)) return { path: `${at}.addressPrefixes[${j}]`, detail: `must be an IPv4 address or CIDR range, got "${prefix}"` };
      }
    }
  }
  return undefined;
}
