import { createHash } from "node:crypto";
import type { RecordedResource } from "../../preview/recorder";

/**
 * A `pulumi stack export` (deployment v3) made from what a preview recorded, for tests of
 * `secure-mlops audit`: the resources in registration order with the default providers the engine
 * would have created, ids, inputs, outputs, parents, provider references and dependencies, and
 * secrets in the state's envelope. Kept here, not in the CLI: the outputs are the mocks', not what
 * any cloud returned, so a user would only be misled by such a "state".
 */

const sigKey = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StackExportOptions {
  /** Secrets as `pulumi stack export --show-secrets` writes them (`plaintext`), else sealed (`ciphertext`). */
  readonly showSecrets?: boolean;
}

function uuidOf(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Wire values to state values: a secret's value goes into the envelope, sealed or as JSON text. */
function toState(value: unknown, options: StackExportOptions): Json {
  if (Array.isArray(value)) return value.map((v) => toState(v, options));
  if (typeof value !== "object" || value === null) return value as Json;
  const obj = value as Record<string, unknown>;
  if (obj[sigKey] === secretSig) {
    const inner = toState(obj["value"], options);
    return options.showSecrets
      ? { [sigKey]: secretSig, plaintext: JSON.stringify(inner) }
      : // Not encryption: a test export has no secrets provider, and audit never decrypts.
        { [sigKey]: secretSig, ciphertext: `v1:${createHash("sha256").update(JSON.stringify(inner)).digest("base64")}` };
  }
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(obj)) out[k] = toState(v, options);
  return out;
}

/** The export of a stack whose program registered `records`. */
export function stackExportOf(records: readonly RecordedResource[], options: StackExportOptions = {}): { version: 3; deployment: Record<string, Json> } {
  const stackRecord = records.find((r) => r.type === "pulumi:pulumi:Stack");
  if (!stackRecord) throw new Error("the records have no pulumi:pulumi:Stack");
  const [stack, project] = stackRecord.urn.slice("urn:pulumi:".length).split("::") as [string, string];
  const time = "2026-11-30T12:00:00.000Z";
  const providers = new Map<string, { urn: string; id: string }>();
  const resources: Json[] = [];
  for (const r of records) {
    let provider: string | undefined = r.provider;
    if (r.custom && !provider && !r.type.startsWith("pulumi:")) {
      const pkg = r.type.split(":")[0] as string;
      let p = providers.get(pkg);
      if (!p) {
        p = { urn: `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::default`, id: uuidOf(`${pkg} provider`) };
        providers.set(pkg, p);
        resources.push({ urn: p.urn, custom: true, id: p.id, type: `pulumi:providers:${pkg}`, inputs: {}, outputs: {}, created: time, modified: time });
      }
      provider = `${p.urn}::${p.id}`;
    }
    const entry: { [key: string]: Json } = { urn: r.urn, custom: r.custom, type: r.type };
    if (r.custom) entry["id"] = r.id ?? uuidOf(r.urn);
    entry["inputs"] = r.custom ? toState(r.inputs, options) : {};
    entry["outputs"] = toState(r.outputs, options);
    if (r.parent) entry["parent"] = r.parent;
    if (provider) entry["provider"] = provider;
    if (r.options.protect) entry["protect"] = true;
    if (r.dependencies.length > 0) entry["dependencies"] = [...r.dependencies];
    if (Object.keys(r.propertyDependencies).length > 0) {
      entry["propertyDependencies"] = Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, [...v]]));
    }
    if ((r.options.additionalSecretOutputs ?? []).length > 0) entry["additionalSecretOutputs"] = [...(r.options.additionalSecretOutputs ?? [])];
    entry["created"] = time;
    entry["modified"] = time;
    resources.push(entry);
  }
  return {
    version: 3,
    deployment: {
      manifest: { time, magic: "0".repeat(64), version: "v3.200.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:test" } },
      resources,
      metadata: {},
    },
  };
}
