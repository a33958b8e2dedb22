import type { Command } from "commander";
import type { ImageVerdict } from "../attestation/image-verify";
import { ExitCode, UsageError, type Io } from "./command";
import { addRegistryOptions, addTrustOptions, inputError, policyFrom, registryOptionsFrom, trustFrom, type RegistryFlags, type TrustFlags } from "./image-options";

/**
 * `secure-mlops verify image REF`: finds every attachment of the image (referrers API, referrers
 * tag, cosign's .sig/.att tags), verifies each, and judges the policy's `images:` section.
 * Exit 0 verified, 1 refused (each reason on its own line), 2 bad usage or no verdict (the
 * registry failed: the line names the registry and the error; never 0).
 */

interface VerifyImageFlags extends TrustFlags, RegistryFlags {
  json?: boolean;
}

function signerText(a: ImageVerdict["attachments"][number]): string {
  const s = a.signer;
  if (!s) return "";
  return s.method === "keyless" ? ` by ${s.identity}` : ` by ${s.label}`;
}

export async function runVerifyImage(ref: string, flags: VerifyImageFlags, io: Io, setExit: (code: number) => void): Promise<void> {
  const registry = registryOptionsFrom(flags);
  const trust = await trustFrom(flags);
  const policy = await policyFrom(flags.policy, io);
  if (trust.length === 0 && (policy?.signers.length ?? 0) === 0) throw new UsageError(`give --key PUB.pem, or --identity SAN --issuer URL${policy ? ` (policy ${flags.policy} names no signers)` : ""}`);
  let verdict: ImageVerdict;
  // loaded on use: the registry client and the image verifier cost every other command ~0.1 s at start
  const { verifyImage } = await import("../attestation/image-verify");
  try {
    verdict = await verifyImage({ ref, trust, ...(policy ? { policy } : {}), registry });
  } catch (err) {
    inputError(err, ref);
  }
  if (flags.json) {
    io.out(`${JSON.stringify({ verified: verdict.verified, outcome: verdict.outcome, reference: verdict.reference, digest: verdict.digest ?? null, policy: flags.policy ?? null, attachments: verdict.attachments, reasons: verdict.reasons }, null, 2)}\n`);
  } else {
    const where = `${verdict.registry}/${verdict.repository}${verdict.digest ? `@${verdict.digest}` : ""}`;
    io.out(`${verdict.outcome === "verified" ? "verified" : verdict.outcome === "refused" ? "not verified" : "no verdict"}: image ${where}\n`);
    for (const a of verdict.attachments) {
      io.out(`  ${a.status} ${a.layout} ${a.manifest}${a.layer !== undefined ? `#${a.layer}` : ""} ${a.predicateType ?? "(unknown predicate)"}${a.status === "verified" ? signerText(a) : `: ${a.code}: ${a.reason}`}\n`);
    }
    for (const r of verdict.reasons) io.out(`${r.code}: ${r.message}\n`);
  }
  if (verdict.outcome === "error") {
    io.err(`secure-mlops: ${verdict.reasons[0]?.message ?? "registry error"}\n`);
    setExit(ExitCode.usage);
    return;
  }
  setExit(verdict.verified ? ExitCode.ok : ExitCode.verdict);
}

/** Adds `image REF` under the `verify` command. */
export function registerVerifyImage(verify: Command, io: Io, setExit: (code: number) => void): void {
  addRegistryOptions(
    addTrustOptions(
      verify
        .command("image <ref>")
        .description("verify a container image's signatures and attestations in the registry, and the policy's images: rules")
        .option("--json", "print the verdict as JSON, each attachment found, verified or refused and why"),
    ),
  ).action(async (ref: string, _opts: unknown, cmd: Command) => {
    await runVerifyImage(ref, cmd.opts<VerifyImageFlags>(), io, setExit);
  });
}
