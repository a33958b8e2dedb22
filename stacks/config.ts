import type { ErrorObject, JSONSchemaType, ValidateFunction } from "ajv";
import { builtInRoles } from "../constants/roles";
import { githubManagementProblem, githubManagementSchemaProperties, type GithubManagementConfig } from "./github-config";
import { governanceConfigSchema, type GovernanceConfig } from "./governance-config";
import { mlWorkspaceConfigProblem, mlWorkspaceConfigSchema, type MlWorkspaceConfig } from "./ml-workspace-config";
import * as generated from "./config-validator.generated";
import { ConfigError } from "./errors";

/** The deployment environments, each with its stack file `stacks/Pulumi.<env>.yaml`. */
export const environments = ["dev", "staging", "prod"] as const;
export type Environment = (typeof environments)[number];

export interface NetworkConfig {
  /** Address space of the platform's virtual network. */
  readonly addressSpace: string;
  /** Subnet that receives private endpoints. */
  readonly privateEndpointSubnet: string;
}

export interface RegistryConfig {
  readonly zoneRedundancy?: boolean;
  readonly publicNetworkAccess?: boolean;
  readonly allowedIpRanges?: string[];
  readonly untaggedRetentionDays?: number;
  readonly lock?: "CanNotDelete" | "ReadOnly";
}

/**
 * The GitHub repository whose Actions deploy the platform (facts about it), and, with `teams`,
 * what the stacks manage there (stacks/github-config.ts): its branch rules and environments.
 */
export interface GithubConfig extends GithubManagementConfig {
  readonly owner: string;
  readonly repository: string;
  /** Numeric id of the owner (GET /users/OWNER), for immutable-id subjects and `repository_owner_id` claims. */
  readonly ownerId?: number;
  /** Numeric id of the repository (GET /repos/OWNER/REPO), for immutable-id subjects and `repository_id` claims. */
  readonly repositoryId?: number;
  /** How the repository appears in OIDC subjects: `name` (classic) or `immutable-id` (repositories created or renamed since July 2026). */
  readonly subjectFormat?: "name" | "immutable-id";
  /** Delimiter of the immutable-id form: `@` (GitHub's docs, observed tokens) or `-` (GitHub's changelog example). */
  readonly immutableIdDelimiter?: "@" | "-";
  /** The org's or repository's customized OIDC `include_claim_keys`, when it has any. */
  readonly subjectClaimKeys?: string[];
}

/** A persona group as the stack file gives it. */
export interface PersonaConfig {
  readonly name: string;
  readonly description?: string;
  /** Object ids of members; left out, membership is managed in Entra ID (access packages, PIM for Groups). */
  readonly members?: string[];
  readonly owners?: string[];
}

/** A row added to the access table. */
export interface RoleRowConfig {
  readonly persona: string;
  /** A built-in role name of constants/roles.ts. */
  readonly role: string;
  /** resourceGroup, registry, workspace, keyVault, storageAccount, ... (the platform's named scopes). */
  readonly scope: string;
}

/** Entra ID groups, their access, and the deployer principal. */
export interface IdentityConfig {
  /** Object ids of owners of every group and of the deployer application, besides the deploying principal. */
  readonly owners?: string[];
  /** Prefix of group names (`<prefix>-<environment>-<persona>`); the default is `sg-<prefix>`. */
  readonly groupNamePrefix?: string;
  /** Personas replacing the defaults (platform-admins, ml-engineers, data-scientists, readers). */
  readonly personas?: PersonaConfig[];
  /** Rows added to the default access table. */
  readonly roleAssignments?: RoleRowConfig[];
  /** The GitHub environment the deployer trusts; the default is the stack's environment name. */
  readonly deployEnvironment?: string;
  /** Write AZURE_CLIENT_ID/TENANT_ID/SUBSCRIPTION_ID as variables of that GitHub environment (needs the github provider). */
  readonly writeActionsVariables?: boolean;
}

/** The attestation verifier on the cluster: its image by digest and its verification policy. */
export interface AksVerifierConfig {
  /** `registry/repository@sha256:<64 hex>`; a tag is refused. */
  readonly image: string;
  /** The attestation policy (the verifier's `--policy` file), as an object. */
  readonly policy: Record<string, unknown>;
  /** Replicas of the verifier; prod keeps at least two. */
  readonly replicas?: number;
  /** Addresses besides the private endpoint subnet the verifier may reach on 443 (Entra ID's). */
  readonly egressCidrs?: string[];
}

/** The platform's AKS cluster (components/azure/secure-aks-cluster.ts). */
export interface AksConfig {
  /** Subnet of the nodes, inside the address space (pods use the CNI overlay, not this range). */
  readonly nodeSubnet: string;
  /** Nodes of the system pool. */
  readonly systemNodeCount?: number;
  readonly userPools?: { readonly name: string; readonly vmSize?: string; readonly count?: number }[];
  /** The attestation verifier and its admission webhook; left out, none is deployed. */
  readonly verifier?: AksVerifierConfig;
  /** Azure ML serving on the cluster (components/azure/aks-ml-inference.ts); left out, none. */
  readonly mlInference?: {
    /** Host name of the inference router's HTTPS certificate. */
    readonly sslCname: string;
    readonly endpointName: string;
  };
}

/** The stack's typed configuration, as read from `secure-mlops:*` keys. */
export interface PlatformConfig {
  readonly environment: Environment;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /** Prefix of every resource name: lower-case letters and digits, 2-10 characters. */
  readonly prefix: string;
  readonly tags: Record<string, string>;
  readonly network: NetworkConfig;
  readonly registry: RegistryConfig;
  /** Enable Defender for Containers on the subscription from this stack (the platform's DefenderPlans). */
  readonly defenderForContainers: boolean;
  /** The repository whose GitHub Actions deploy this stack; without it no deployer principal is created. */
  readonly github?: GithubConfig;
  /** Entra ID groups and the deployer principal. */
  readonly identity?: IdentityConfig;
  /** The ML workspace's environment settings over its profile (stacks/ml-workspace-config.ts). */
  readonly mlWorkspace?: MlWorkspaceConfig;
  /** The AKS cluster and the attestation verifier on it; left out, the stack has no cluster. */
  readonly aks?: AksConfig;
  /** The Azure Policy assignments' enforcement and exemptions over the profile (stacks/governance-config.ts). */
  readonly governance?: GovernanceConfig;
}

const cidr = "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}/([0-9]|[12]\\d|3[0-2])$";
const ipOrCidr = "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}(/([0-9]|[12]\\d|3[0-2]))?$";
const objectId = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const childKey = "^[a-z0-9][a-z0-9-]{0,62}$";
const digestImage = "^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$";
const environmentName = "^[A-Za-z0-9._-](?:[A-Za-z0-9._ -]{0,253}[A-Za-z0-9._-])?$";

/** JSON Schema of the config; also the source of `Pulumi.yaml`'s declared config (a test keeps them equal). */
export const platformConfigSchema: JSONSchemaType<PlatformConfig> = {
  type: "object",
  additionalProperties: false,
  required: ["environment", "location", "prefix", "tags", "network", "registry", "defenderForContainers"],
  properties: {
    environment: { type: "string", enum: [...environments] },
    location: { type: "string", pattern: "^[a-z][a-z0-9]{2,30}$" },
    prefix: { type: "string", pattern: "^[a-z][a-z0-9]{1,9}$" },
    tags: {
      type: "object",
      required: [],
      additionalProperties: { type: "string", maxLength: 256 },
    },
    network: {
      type: "object",
      additionalProperties: false,
      required: ["addressSpace", "privateEndpointSubnet"],
      properties: {
        addressSpace: { type: "string", pattern: cidr },
        privateEndpointSubnet: { type: "string", pattern: cidr },
      },
    },
    registry: {
      type: "object",
      additionalProperties: false,
      required: [],
      properties: {
        zoneRedundancy: { type: "boolean", nullable: true },
        publicNetworkAccess: { type: "boolean", nullable: true },
        allowedIpRanges: { type: "array", items: { type: "string", pattern: ipOrCidr }, nullable: true },
        untaggedRetentionDays: { type: "integer", minimum: 0, maximum: 365, nullable: true },
        lock: { type: "string", enum: ["CanNotDelete", "ReadOnly"], nullable: true },
      },
    },
    defenderForContainers: { type: "boolean" },
    github: {
      type: "object",
      nullable: true,
      additionalProperties: false,
      required: ["owner", "repository"],
      properties: {
        owner: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9-]{0,38}$" },
        repository: { type: "string", pattern: "^[A-Za-z0-9._-]{1,100}$" },
        ownerId: { type: "integer", minimum: 1, nullable: true },
        repositoryId: { type: "integer", minimum: 1, nullable: true },
        subjectFormat: { type: "string", enum: ["name", "immutable-id"], nullable: true },
        immutableIdDelimiter: { type: "string", enum: ["@", "-"], nullable: true },
        subjectClaimKeys: { type: "array", items: { type: "string", pattern: "^[a-z][a-z0-9_]{0,63}$" }, minItems: 1, nullable: true },
        ...githubManagementSchemaProperties,
      },
    },
    identity: {
      type: "object",
      nullable: true,
      additionalProperties: false,
      required: [],
      properties: {
        owners: { type: "array", items: { type: "string", pattern: objectId }, nullable: true },
        groupNamePrefix: { type: "string", pattern: "^[a-z][a-z0-9-]{0,39}$", nullable: true },
        personas: {
          type: "array",
          nullable: true,
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["name"],
            properties: {
              name: { type: "string", pattern: childKey },
              description: { type: "string", maxLength: 1024, nullable: true },
              members: { type: "array", items: { type: "string", pattern: objectId }, nullable: true },
              owners: { type: "array", items: { type: "string", pattern: objectId }, nullable: true },
            },
          },
        },
        roleAssignments: {
          type: "array",
          nullable: true,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["persona", "role", "scope"],
            properties: {
              persona: { type: "string", pattern: childKey },
              role: { type: "string", enum: Object.keys(builtInRoles) },
              scope: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9]{0,39}$" },
            },
          },
        },
        deployEnvironment: { type: "string", pattern: environmentName, nullable: true },
        writeActionsVariables: { type: "boolean", nullable: true },
      },
    },
    mlWorkspace: { ...mlWorkspaceConfigSchema, nullable: true },
    governance: { ...governanceConfigSchema, nullable: true },
    aks: {
      type: "object",
      nullable: true,
      additionalProperties: false,
      required: ["nodeSubnet"],
      properties: {
        nodeSubnet: { type: "string", pattern: cidr },
        systemNodeCount: { type: "integer", minimum: 1, maximum: 100, nullable: true },
        userPools: {
          type: "array",
          nullable: true,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["name"],
            properties: {
              name: { type: "string", pattern: "^[a-z][a-z0-9]{0,11}$" },
              vmSize: { type: "string", pattern: "^Standard_[A-Za-z0-9_]{1,40}$", nullable: true },
              count: { type: "integer", minimum: 1, maximum: 1000, nullable: true },
            },
          },
        },
        mlInference: {
          type: "object",
          nullable: true,
          additionalProperties: false,
          required: ["sslCname", "endpointName"],
          properties: {
            sslCname: { type: "string", pattern: "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$" },
            endpointName: { type: "string", pattern: "^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$" },
          },
        },
        verifier: {
          type: "object",
          nullable: true,
          additionalProperties: false,
          required: ["image", "policy"],
          properties: {
            image: { type: "string", pattern: digestImage },
            policy: { type: "object", required: [], additionalProperties: true },
            replicas: { type: "integer", minimum: 1, maximum: 10, nullable: true },
            egressCidrs: { type: "array", items: { type: "string", pattern: cidr }, nullable: true },
          },
        },
      },
    },
  },
};

// The schema above, compiled ahead of time (tools/config-validator.ts): compiling it here cost
// every program ~0.2 s of CPU at start.
const validate = generated.validate as unknown as ValidateFunction<PlatformConfig>;

const hints: Record<string, string> = {
  [cidr]: "must be an IPv4 CIDR range like 10.20.1.0/24",
  [ipOrCidr]: "must be an IPv4 address or CIDR range",
  [objectId]: "must be an Entra object id (a GUID)",
  [digestImage]: "must be an image by digest: registry/repository@sha256:<64 hex digits>",
};

function describeError(project: string, error: ErrorObject): ConfigError {
  const path = error.instancePath.split("/").filter(Boolean).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (error.keyword === "required") path.push(String(error.params["missingProperty"]));
  if (error.keyword === "additionalProperty" || error.keyword === "additionalProperties") {
    path.push(String(error.params["additionalProperty"]));
    return new ConfigError(keyOf(project, path), "is not a known setting");
  }
  const key = keyOf(project, path);
  if (error.keyword === "required") return new ConfigError(key, "is required");
  if (error.keyword === "pattern") {
    const hint = hints[String(error.params["pattern"])] ?? `must match ${String(error.params["pattern"])}`;
    return new ConfigError(key, hint);
  }
  if (error.keyword === "enum") {
    return new ConfigError(key, `must be one of ${(error.params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`);
  }
  return new ConfigError(key, error.message ?? "is invalid");
}

function keyOf(project: string, path: string[]): string {
  const [head, ...rest] = path;
  if (head === undefined) return `${project}:*`;
  // Keys come from the user's YAML: quote any that is not a plain identifier, so the line stays one line.
  const segment = (p: string): string =>
    /^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_][\w-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  const first = /^[A-Za-z_][\w-]*$/.test(head) ? head : JSON.stringify(head);
  return `${project}:${first}` + rest.map(segment).join("");
}

/**
 * Validates raw config values (each top-level key already parsed from YAML/JSON) and returns the
 * typed config, or throws a ConfigError naming the first bad key. Also checks relations the
 * schema cannot express (the subnet inside the address space).
 */
export function parsePlatformConfig(project: string, raw: Record<string, unknown>): PlatformConfig {
  if (!validate(raw)) {
    const first = validate.errors?.[0];
    throw first ? describeError(project, first) : new ConfigError(`${project}:*`, "is invalid");
  }
  const config = raw;
  const mlProblem = config.mlWorkspace ? mlWorkspaceConfigProblem(config.mlWorkspace) : undefined;
  if (mlProblem) throw new ConfigError(`${project}:mlWorkspace.${mlProblem.path}`, mlProblem.detail);
  const githubProblem = config.github ? githubManagementProblem(config.github) : undefined;
  if (githubProblem) throw new ConfigError(`${project}:github.${githubProblem.path}`, githubProblem.detail);
  if (!cidrContains(config.network.addressSpace, config.network.privateEndpointSubnet)) {
    throw new ConfigError(
      `${project}:network.privateEndpointSubnet`,
      `${config.network.privateEndpointSubnet} is not inside the address space ${config.network.addressSpace}`,
    );
  }
  if (config.aks) {
    const { addressSpace, privateEndpointSubnet } = config.network;
    if (!cidrContains(addressSpace, config.aks.nodeSubnet)) {
      throw new ConfigError(`${project}:aks.nodeSubnet`, `${config.aks.nodeSubnet} is not inside the address space ${addressSpace}`);
    }
    if (cidrContains(config.aks.nodeSubnet, privateEndpointSubnet) || cidrContains(privateEndpointSubnet, config.aks.nodeSubnet)) {
      throw new ConfigError(`${project}:aks.nodeSubnet`, `${config.aks.nodeSubnet} overlaps the private endpoint subnet ${privateEndpointSubnet}`);
    }
    // Unset, the component's default (two) applies.
    const replicas = config.aks.verifier?.replicas;
    if (config.environment === "prod" && replicas !== undefined && replicas < 2) {
      throw new ConfigError(`${project}:aks.verifier.replicas`, "must be at least 2 in prod, so an admission webhook that fails closed stays available");
    }
  }
  return config;
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** True when CIDR `inner` lies within CIDR `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const [outerIp = "", outerBits = "0"] = outer.split("/");
  const [innerIp = "", innerBits = "0"] = inner.split("/");
  const ob = Number(outerBits);
  const ib = Number(innerBits);
  if (ib < ob) return false;
  const mask = ob === 0 ? 0 : 2 ** 32 - 2 ** (32 - ob);
  const and = (v: number): number => Number((BigInt(v) & BigInt(mask)).toString());
  return and(ipToInt(outerIp)) === and(ipToInt(innerIp));
}
