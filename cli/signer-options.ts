import type { Command } from "commander";
import { loadPrivateKey } from "../attestation/keys";
import { assertTokenUsable, parseIdentityToken } from "../attestation/oidc";
import type { SignerSpec } from "../attestation/sign";
import { UsageError, asUsageError } from "./command";

/**
 * The signer flags of every signing command (`attest model|dataset|evidence|image`, the model
 * push): a key file, or Sigstore keyless with the CI's OIDC token. A leaf module, so that the
 * command modules share one meaning of `--keyless` without importing each other.
 */

/** Passphrase of an encrypted private key; never a flag, so it stays out of shell history and `ps`. */
export const PASSPHRASE_ENV = "SECURE_MLOPS_KEY_PASSPHRASE";

export interface SignerFlags {
  key?: string;
  keyless?: boolean;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  identityTokenEnv?: string;
}

export function addSignerOptions(cmd: Command): Command {
  return cmd
    .option("--key <file>", `EC P-256/P-384/P-521 private key (PEM); encrypted keys read their passphrase from $${PASSPHRASE_ENV}`)
    .option("--keyless", "sign with Sigstore: Fulcio certificate for the ambient OIDC token (GitHub Actions), Rekor entry; needs network")
    .option("--fulcio-url <url>", "Fulcio instance for --keyless (default https://fulcio.sigstore.dev)")
    .option("--rekor-url <url>", "Rekor instance for --keyless (default https://rekor.sigstore.dev)")
    .option("--tsa-url <url>", "RFC 3161 timestamp authority for --keyless (default: none, Rekor's integrated time is the signing time)")
    .option("--identity-token-env <name>", "environment variable holding an OIDC token for --keyless (default: the CI's ambient token)");
}

/** The signer the flags name. Throws `UsageError` for contradictory flags, an unreadable key or an unusable token. */
export async function signerFrom(flags: SignerFlags): Promise<SignerSpec> {
  if (flags.key && flags.keyless) throw new UsageError("give either --key or --keyless, not both");
  if (flags.key) {
    try {
      return { method: "key", privateKey: await loadPrivateKey(flags.key, process.env[PASSPHRASE_ENV]) };
    } catch (err) {
      asUsageError(err, "--key");
    }
  }
  if (flags.keyless) {
    let identityToken: string | undefined;
    if (flags.identityTokenEnv) {
      identityToken = process.env[flags.identityTokenEnv];
      if (!identityToken) throw new UsageError(`--identity-token-env: environment variable ${flags.identityTokenEnv} is empty or unset`);
      // a malformed or expired token is the caller's input: refuse it here, not as a Fulcio error
      try {
        assertTokenUsable(parseIdentityToken(identityToken), new Date());
      } catch (err) {
        asUsageError(err, `--identity-token-env ${flags.identityTokenEnv}`);
      }
    }
    return {
      method: "keyless",
      ...(flags.fulcioUrl ? { fulcioURL: flags.fulcioUrl } : {}),
      ...(flags.rekorUrl ? { rekorURL: flags.rekorUrl } : {}),
      ...(flags.tsaUrl ? { tsaURL: flags.tsaUrl } : {}),
      ...(identityToken ? { identityToken } : {}),
    };
  }
  throw new UsageError("give --key PRIVATE.pem (offline) or --keyless (Sigstore, in CI)");
}
