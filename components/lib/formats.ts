/**
 * Parsers for the outside formats components accept as arguments (IP ranges, host names, port
 * ranges, ARM ids). Pure and total: any string in, a verdict out, never a throw.
 */

const octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4 = new RegExp(`^${octet}(\\.${octet}){3}$`);

/** True for a dotted-quad IPv4 address without leading zeros (`10.0.0.1`). */
export function isIpv4Address(value: string): boolean {
  return ipv4.test(value);
}

/** An IPv4 CIDR range split into its address and prefix length, or undefined when malformed. */
export function parseIpv4Cidr(value: string): { readonly address: string; readonly prefix: number } | undefined {
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!isIpv4Address(address) || !/^(\d|[12]\d|3[0-2])$/.test(bits)) return undefined;
  return { address, prefix: Number(bits) };
}

/** True for an IPv4 address or an IPv4 CIDR range (`203.0.113.7`, `203.0.113.0/24`). */
export function isIpv4AddressOrCidr(value: string): boolean {
  return isIpv4Address(value) || parseIpv4Cidr(value) !== undefined;
}

/**
 * Azure Storage and Key Vault firewalls take a bare address for one host and refuse `/31` and
 * `/32` ranges; this returns the form they accept, or undefined for a `/31` (two hosts: list both).
 */
export function firewallIpRule(value: string): string | undefined {
  if (isIpv4Address(value)) return value;
  const cidr = parseIpv4Cidr(value);
  if (cidr === undefined || cidr.prefix === 31) return undefined;
  return cidr.prefix === 32 ? cidr.address : value;
}

/** A GUID such as an Entra object or tenant id, either case (`1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d`). */
export const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a GUID (see `guidPattern`). */
export function isGuid(value: string): boolean {
  return guidPattern.test(value);
}

const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * True for a fully qualified domain name an outbound FQDN rule can name: at least two labels of
 * letters, digits and inner hyphens (at most 63 characters each, 253 in all), a top-level label
 * that is not all digits, and optionally one leading `*.` wildcard label. No scheme, port, path
 * or trailing dot.
 */
export function isFqdn(value: string, options: { readonly wildcard?: boolean } = {}): boolean {
  let host = value;
  if (options.wildcard === true && host.startsWith("*.")) host = host.slice(2);
  if (host.length === 0 || host.length > 253) return false;
  const labels = host.split(".");
  if (labels.length < 2) return false;
  if (!labels.every((l) => label.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? "");
}

/**
 * True for a port list as Azure network rules take it: `*`, or comma-separated ports and
 * `low-high` ranges within 1-65535 (`443`, `80,443`, `8000-8080`).
 */
export function isPortRanges(value: string): boolean {
  if (value === "*") return true;
  const parts = value.split(",");
  return parts.every((part) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    if (m === null) return false;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    return low >= 1 && high <= 65535 && low <= high;
  });
}

/** The parts of an ARM resource id, or undefined when `value` is not one. */
export function parseArmId(
  value: string,
): { readonly subscriptionId: string; readonly resourceGroup: string; readonly provider: string; readonly type: string; readonly name: string } | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)$/i.exec(value);
  if (m === null) return undefined;
  const [, subscriptionId = "", resourceGroup = "", provider = "", type = "", name = ""] = m;
  return { subscriptionId, resourceGroup, provider, type, name };
}

/** True when `value` is the ARM id of a resource of `provider/type` (compared case-insensitively). */
export function isArmIdOf(value: string, providerType: string): boolean {
  const id = parseArmId(value);
  return id !== undefined && `${id.provider}/${id.type}`.toLowerCase() === providerType.toLowerCase();
}

/**
 * The vault URI and key name of a Key Vault key identifier
 * (`https://<vault>.vault.azure.net/keys/<name>[/<version>]`), or undefined when malformed.
 */
export function parseKeyIdentifier(value: string): { readonly vaultUri: string; readonly keyName: string; readonly version?: string } | undefined {
  const m = /^(https:\/\/[a-z0-9-]{3,24}\.vault\.[a-z0-9.-]+\/)keys\/([a-zA-Z0-9-]{1,127})(?:\/([0-9a-fA-F]{32}))?\/?$/.exec(value);
  if (m === null) return undefined;
  const [, vaultUri = "", keyName = "", version] = m;
  return version === undefined ? { vaultUri, keyName } : { vaultUri, keyName, version };
}
