import Ajv, { type ErrorObject, type JSONSchemaType } from "ajv";

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
  /** Enable Defender for Containers on the subscription from this stack. */
  readonly defenderForContainers: boolean;
}

const cidr = "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}/([0-9]|[12]\\d|3[0-2])$";
const ipOrCidr = "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}(/([0-9]|[12]\\d|3[0-2]))?$";

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
  },
};

/** The stack config is invalid; the message names the key and what is wrong, on one line. */
export class ConfigError extends Error {
  readonly code = "INVALID_CONFIG" as const;
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`invalid config ${key}: ${detail}`);
    this.name = "ConfigError";
  }
}

const ajv = new Ajv({ allErrors: false, strict: true, useDefaults: false });
const validate = ajv.compile(platformConfigSchema);

const hints: Record<string, string> = {
  [cidr]: "must be an IPv4 CIDR range like 10.20.1.0/24",
  [ipOrCidr]: "must be an IPv4 address or CIDR range",
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
  if (!cidrContains(config.network.addressSpace, config.network.privateEndpointSubnet)) {
    throw new ConfigError(
      `${project}:network.privateEndpointSubnet`,
      `${config.network.privateEndpointSubnet} is not inside the address space ${config.network.addressSpace}`,
    );
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
