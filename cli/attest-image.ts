import type { Command } from "commander";
import type { AttestImageResult } from "../attestation/image";
import { ExitCode, UsageError, type Io } from "./command";
import { addRegistryOptions, inputError, registryOptionsFrom, type RegistryFlags } from "./image-options";
import { addSignerOptions, signerFrom, type SignerFlags } from "./signer-options";

/**
 * `secure-mlops attest image REF`: resolves the image digest, signs a signature statement and
 * any evidence given (--sbom, --scan, --provenance) as Sigstore bundles, and attaches each to the
 * image in cosign v3's layout. Exit 0 attached, 2 bad usage, unreadable input, or a registry
 * that failed (the message names it).
 */

interface AttestImageFlags extends SignerFlags, RegistryFlags {
  sbom?: string;
  scan?: string;
  provenance?: string;
  json?: boolean;
}

export async function runAttestImage(ref: string, flags: AttestImageFlags, io: Io, setExit: (code: number) => void): Promise<void> {
  const registry = registryOptionsFrom(flags);
  const signer = await signerFrom(flags);
  let result: AttestImageResult;
  // loaded on use, like the verifier (registry client, image statements)
  const { attestImage } = await import("../attestation/image");
  try {
    result = await attestImage({
      ref,
      signer,
      ...(flags.sbom ? { sbom: flags.sbom } : {}),
      ...(flags.scan ? { scan: flags.scan } : {}),
      ...(flags.provenance ? { provenance: flags.provenance === "github" ? { githubActions: process.env } : flags.provenance } : {}),
      registry,
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("REGISTRY_") && code !== "REGISTRY_REFERENCE_INVALID" && code !== "REGISTRY_CREDENTIALS_INVALID") {
      throw new UsageError(`${ref}: ${(err as Error).message} (${code})`, { cause: err });
    }
    // the file the error is about names the flag that gave it
    const file = (err as { file?: unknown }).file;
    const flag = file === flags.sbom ? "--sbom" : file === flags.scan ? "--scan" : file !== undefined && file === flags.provenance ? "--provenance" : flags.provenance === "github" && (err as { code?: unknown }).code === "INPUT_OPTIONS_INVALID" ? "--provenance" : ref;
    inputError(err, flag);
  }
  if (flags.json) {
    io.out(`${JSON.stringify({ attested: true, reference: ref, digest: result.digest, attachments: result.attachments }, null, 2)}\n`);
  } else {
    io.out(`attested ${result.reference.registry}/${result.reference.repository}@${result.digest}\n`);
    for (const a of result.attachments) io.out(`${a.kind}: ${a.predicateType} ${a.indexed === "existing" ? "already attached" : `attached (${a.indexed})`} ${a.digest}\n`);
  }
  setExit(ExitCode.ok);
}

/** Adds `image REF` under the `attest` command. */
export function registerAttestImage(attest: Command, io: Io, setExit: (code: number) => void): void {
  addRegistryOptions(
    addSignerOptions(
      attest
        .command("image <ref>")
        .description("sign a container image by digest and attach the signature and evidence as Sigstore bundles (cosign v3 layout)")
        .option("--sbom <file>", "CycloneDX JSON SBOM (syft, trivy, cdxgen) to attest")
        .option("--scan <file>", "Trivy or Grype JSON report to attest (normalised to in-toto vulns v0.1)")
        .option("--provenance <file|github>", "SLSA v1 provenance file, or `github` to build it from the GitHub Actions environment")
        .option("--json", "print the result as JSON"),
    ),
  ).action(async (ref: string, _opts: unknown, cmd: Command) => {
    await runAttestImage(ref, cmd.opts<AttestImageFlags>(), io, setExit);
  });
}
