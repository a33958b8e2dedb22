import type { Command } from "commander";
import type { LoadedPolicy } from "../attestation/policy";
import type { TrustPolicy } from "../attestation/verify";
import { addCertificateOptions, conditionsFrom, type CertificateFlags } from "./certificate-flags";
import { UsageError, type Io } from "./command";

/**
 * Options shared by the image and registry commands (`attest image`, `verify image`, the model
 * push): trust, policy and registry flags (the signer flags are cli/signer-options.ts). A leaf
 * module: command modules import it, it imports no command module.
 */

/** Turns an error about the caller's own input (attestation library codes) into a UsageError. */
export function inputError(err: unknown, flag: string): never {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && /^(INPUT_|SIGNING_KEY_|POLICY_|REGISTRY_REFERENCE_INVALID|REGISTRY_CREDENTIALS_INVALID)/.test(code)) {
    throw new UsageError(`${flag}: ${(err as Error).message}`, { cause: err });
  }
  throw err;
}

export interface TrustFlags extends CertificateFlags {
  key?: string;
  identity?: string;
  identityRegexp?: string;
  issuer?: string;
  trustedRoot?: string;
  policy?: string;
}

export function addTrustOptions(cmd: Command): Command {
  return addCertificateOptions(cmd)
    .option("--key <file>", "public key (PEM or DER) the attestations must be signed with")
    .option("--identity <san>", "Sigstore keyless: exact certificate identity (e-mail or URI SAN)")
    .option("--identity-regexp <re>", "Sigstore keyless: regular expression the whole identity must match")
    .option("--issuer <url>", "Sigstore keyless: OIDC issuer of the identity")
    .option("--trusted-root <file>", "Sigstore trusted_root.json (default: the public-good root shipped with @sigstore/tuf)")
    .option("--policy <file>", "attestation policy (YAML): signers, and the images: section (registries, predicates, vulnerabilities, licences)");
}

export async function trustFrom(flags: TrustFlags): Promise<TrustPolicy[]> {
  const identityGiven = flags.identity !== undefined || flags.identityRegexp !== undefined;
  if (flags.key !== undefined && identityGiven) throw new UsageError("give --key or --identity/--identity-regexp with --issuer, not both");
  if (flags.identity !== undefined && flags.identityRegexp !== undefined) throw new UsageError("give --identity or --identity-regexp, not both");
  if (identityGiven !== (flags.issuer !== undefined)) throw new UsageError(identityGiven ? "--issuer: required with --identity/--identity-regexp" : "--issuer: only with --identity or --identity-regexp");
  if (flags.trustedRoot !== undefined && !identityGiven) throw new UsageError("--trusted-root: only with --identity or --identity-regexp");
  const conditions = conditionsFrom(flags);
  if (conditions && !identityGiven) throw new UsageError("--certificate-*: certificate conditions only with --identity or --identity-regexp");
  if (flags.identityRegexp !== undefined) {
    try {
      new RegExp(flags.identityRegexp, "u");
    } catch (err) {
      throw new UsageError(`--identity-regexp: not a valid regular expression (${(err as Error).message})`, { cause: err });
    }
  }
  if (flags.key !== undefined) {
    try {
      const { loadPublicKey } = await import("../attestation/keys");
      return [{ method: "public-key", key: await loadPublicKey(flags.key), label: `key ${flags.key}` }];
    } catch (err) {
      inputError(err, "--key");
    }
  }
  if (identityGiven) {
    let trustedRoot;
    try {
      const { loadTrustedRoot } = await import("../attestation/verify");
      trustedRoot = await loadTrustedRoot(flags.trustedRoot);
    } catch (err) {
      inputError(err, "--trusted-root");
    }
    const identity = flags.identity !== undefined ? { exact: flags.identity } : { regexp: flags.identityRegexp! };
    return [
      {
        method: "keyless",
        identity,
        issuer: flags.issuer!,
        trustedRoot,
        ...(conditions ? { conditions } : {}),
        label: flags.identity !== undefined ? `identity ${flags.identity}` : `identity /${flags.identityRegexp}/`,
      },
    ];
  }
  return [];
}

export async function policyFrom(file: string | undefined, io: Io): Promise<LoadedPolicy | undefined> {
  if (file === undefined) return undefined;
  try {
    // the policy module (YAML, Ajv) loads only for a run that gives one
    const { loadPolicy } = await import("../attestation/policy");
    return await loadPolicy(file);
  } catch (err) {
    const problems = (err as { problems?: readonly string[] }).problems ?? [];
    if (problems.length > 1) for (const p of problems) io.err(`${p}\n`);
    inputError(err, "--policy");
  }
}

export interface RegistryFlags {
  plainHttp?: boolean;
  timeout?: string;
}

export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .option("--plain-http", "talk HTTP, not HTTPS, to a registry that is not on a loopback address")
    .option("--timeout <ms>", "timeout of each registry request, in milliseconds", "10000");
}

export function registryOptionsFrom(flags: RegistryFlags): { plainHttp: boolean; timeoutMs: number } {
  const text = flags.timeout ?? "10000";
  if (!/^[1-9][0-9]{0,6}$/.test(text)) throw new UsageError(`--timeout: must be a whole number of milliseconds (1 to 9999999), got ${JSON.stringify(text)}`);
  return { plainHttp: flags.plainHttp ?? false, timeoutMs: Number(text) };
}
