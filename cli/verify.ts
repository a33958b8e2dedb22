import { promises as fsp } from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import type { ArtifactVerification } from "../attestation/artifact";
import type { LoadedPolicy } from "../attestation/policy";
import type { ArtifactKind } from "../attestation/statement";
import type { TrustPolicy } from "../attestation/verify";
import { addCertificateOptions, conditionsFrom, type CertificateFlags } from "./certificate-flags";
import { ExitCode, UsageError, asUsageError, collect, progressReporter, type CommandRegistrar, type Io } from "./command";
import { addPullOptions, pullIfReference } from "./model-registry";
import { registerVerifyImage } from "./verify-image";

/**
 * `secure-mlops verify model|dataset DIR`: verifies the OMS signature (public key, certificate
 * chain to a root, or Sigstore keyless identity), recomputes every file, and with `--policy`
 * checks the signed evidence against each policy rule. Exit 0 verified, 1 not verified (each
 * reason on its own line; `--json` for machines), 2 bad usage or unreadable input.
 */

interface VerifyFlags extends CertificateFlags {
  key?: string;
  root?: string;
  certificateChain?: string;
  identity?: string;
  identityRegexp?: string;
  issuer?: string;
  trustedRoot?: string;
  bundle?: string;
  policy?: string;
  evidence?: string;
  ignore: string[];
  ignoreUnsignedFiles?: boolean;
  json?: boolean;
}

async function trustFrom(flags: VerifyFlags): Promise<TrustPolicy[]> {
  const identityGiven = flags.identity !== undefined || flags.identityRegexp !== undefined;
  const methods = [flags.key !== undefined, flags.root !== undefined, identityGiven].filter(Boolean).length;
  if (methods > 1) throw new UsageError("give one of --key, --root, or --identity/--identity-regexp with --issuer");
  if (flags.identity !== undefined && flags.identityRegexp !== undefined) throw new UsageError("give --identity or --identity-regexp, not both");
  if (identityGiven !== (flags.issuer !== undefined)) throw new UsageError(identityGiven ? "--issuer: required with --identity/--identity-regexp" : "--issuer: only with --identity or --identity-regexp");
  if (flags.certificateChain !== undefined && flags.root === undefined) throw new UsageError("--certificate-chain: only with --root");
  if (flags.trustedRoot !== undefined && !identityGiven) throw new UsageError("--trusted-root: only with --identity or --identity-regexp");
  const conditions = conditionsFrom(flags);
  if (conditions && !identityGiven) throw new UsageError("--certificate-*: certificate conditions only with --identity or --identity-regexp");
  // the attestation modules load with the command that uses them: `verify image` needs none of these
  const { loadCertificates, loadPublicKey } = await import("../attestation/keys");
  if (flags.key !== undefined) {
    try {
      return [{ method: "public-key", key: await loadPublicKey(flags.key), label: `key ${flags.key}` }];
    } catch (err) {
      asUsageError(err, "--key");
    }
  }
  if (flags.root !== undefined) {
    let roots;
    let intermediates;
    try {
      roots = await loadCertificates(flags.root);
    } catch (err) {
      asUsageError(err, "--root");
    }
    try {
      intermediates = flags.certificateChain !== undefined ? await loadCertificates(flags.certificateChain) : [];
    } catch (err) {
      asUsageError(err, "--certificate-chain");
    }
    return [{ method: "certificate-chain", roots, intermediates, label: `root ${flags.root}` }];
  }
  if (identityGiven) {
    if (flags.identityRegexp !== undefined) {
      try {
        new RegExp(flags.identityRegexp, "u");
      } catch (err) {
        throw new UsageError(`--identity-regexp: not a valid regular expression (${(err as Error).message})`, { cause: err });
      }
    }
    let trustedRoot;
    const { loadTrustedRoot } = await import("../attestation/verify");
    try {
      trustedRoot = await loadTrustedRoot(flags.trustedRoot);
    } catch (err) {
      asUsageError(err, "--trusted-root");
    }
    const identity = flags.identity !== undefined ? { exact: flags.identity } : { regexp: flags.identityRegexp! };
    return [{ method: "keyless", identity, issuer: flags.issuer!, trustedRoot, ...(conditions ? { conditions } : {}) }];
  }
  return [];
}

/** Every schema problem a policy file error lists (`PolicyFileError.problems`), else none. */
function problemsOf(err: unknown): readonly string[] {
  if (typeof err !== "object" || err === null || !("problems" in err)) return [];
  const problems = (err as { problems: unknown }).problems;
  return Array.isArray(problems) ? problems.filter((p): p is string => typeof p === "string") : [];
}

async function policyFrom(file: string | undefined, io: Io): Promise<LoadedPolicy | undefined> {
  if (file === undefined) return undefined;
  const { loadPolicy } = await import("../attestation/policy");
  try {
    return await loadPolicy(file);
  } catch (err) {
    const problems = problemsOf(err);
    if (problems.length > 1) {
      // one line per problem first, so a bad policy file can be fixed in one pass
      for (const p of problems) io.err(`${p}\n`);
    }
    asUsageError(err, "--policy");
  }
}

interface Reason {
  readonly code: string;
  readonly message: string;
  readonly path?: string;
  readonly rule?: string;
}

/** Every reason the artifact is not verified, signature and files first, then policy rules. */
export function reasonsOf(result: ArtifactVerification): Reason[] {
  const reasons: Reason[] = result.failures.map((f) => ({ code: f.code, message: f.message, ...(f.path !== undefined ? { path: f.path } : {}) }));
  for (const f of result.policy?.failures ?? []) reasons.push({ code: "POLICY_VIOLATION", rule: f.rule, message: `policy ${f.rule}: ${f.message}` });
  return reasons;
}

/** The `--json` document. */
export function verificationJson(kind: ArtifactKind, dir: string, result: ArtifactVerification): Record<string, unknown> {
  return {
    verified: result.verified,
    kind,
    path: path.resolve(dir),
    bundle: result.bundlePath,
    signer: result.signer ?? null,
    subject: result.statement ? { name: result.statement.subjectName, digest: { sha256: result.statement.rootDigest } } : null,
    source: result.statement?.source ?? null,
    files: result.fileCount ?? null,
    reasons: reasonsOf(result),
    policy: result.policy ? { file: result.policy.file, evaluated: result.policy.evaluated, failures: result.policy.failures } : null,
    evidence: result.evidence
      ? {
          file: result.evidence.file,
          accepted: result.evidence.accepted.map((e) => ({ line: e.line, type: e.type, predicateType: e.predicateType, signer: e.signer })),
          rejected: result.evidence.rejected,
        }
      : null,
  };
}

function signerText(result: ArtifactVerification): string {
  const s = result.signer;
  if (!s) return "(none)";
  switch (s.method) {
    case "public-key":
      return `${s.label} (${s.curve}, hint ${s.keyHint})`;
    case "certificate-chain":
      return `${s.certificateSubject} via ${s.label}`;
    case "keyless":
      return `${s.identity} (issuer ${s.issuer})`;
  }
}

async function runVerify(kind: ArtifactKind, dir: string, flags: VerifyFlags, io: Io, setExit: (code: number) => void): Promise<void> {
  const st = await fsp.stat(dir).catch(() => undefined);
  if (!st) throw new UsageError(`${dir}: no such file or directory`);
  if (flags.bundle !== undefined && !(await fsp.stat(flags.bundle).catch(() => undefined))?.isFile()) throw new UsageError(`--bundle ${flags.bundle}: no such file`);
  if (flags.evidence !== undefined && flags.policy === undefined) throw new UsageError("--evidence: only with --policy (evidence is judged by a policy)");
  const { verifyArtifact } = await import("../attestation/artifact");
  const trust = await trustFrom(flags);
  const policy = await policyFrom(flags.policy, io);
  if (trust.length === 0 && (policy?.signers.length ?? 0) === 0) {
    throw new UsageError(`give --key PUB.pem, --root CA.pem, or --identity SAN --issuer URL${policy ? ` (policy ${flags.policy} names no signers)` : ""}`);
  }
  const progress = progressReporter(io, `verifying ${kind}`);
  let result: ArtifactVerification;
  try {
    result = await verifyArtifact({
      root: dir,
      kind,
      trust,
      ...(policy ? { policy } : {}),
      ...(flags.bundle !== undefined ? { bundlePath: flags.bundle } : {}),
      ...(flags.evidence !== undefined ? { evidenceFile: flags.evidence } : {}),
      ignorePaths: flags.ignore,
      ignoreUnsigned: flags.ignoreUnsignedFiles ?? false,
      // the main thread only waits otherwise; it hashes a small model alone, before a thread could start
      hashOnCallingThread: true,
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    });
  } catch (err) {
    progress.stop();
    asUsageError(err);
  }
  progress.stop();
  if (flags.json) {
    io.out(`${JSON.stringify(verificationJson(kind, dir, result), null, 2)}\n`);
  } else if (result.verified) {
    io.out(`verified: ${kind} ${dir}\n`);
    io.out(`signer: ${signerText(result)}\n`);
    if (result.statement) io.out(`subject: ${result.statement.subjectName} sha256:${result.statement.rootDigest}\n`);
    io.out(`files: ${result.fileCount ?? 0}\n`);
    if (result.statement?.source) io.out(`source: ${result.statement.source.remote ?? "(no remote)"} @ ${result.statement.source.commit}\n`);
    if (result.policy) io.out(`policy: ${result.policy.file}: satisfied (${result.evidence?.accepted.length ?? 0} evidence statement(s) verified)\n`);
  } else {
    const reasons = reasonsOf(result);
    io.out(`not verified: ${kind} ${dir}\n`);
    for (const r of reasons) io.out(`${r.message}\n`);
    if (result.policy && !result.policy.evaluated) io.out(`policy ${result.policy.file}: not evaluated, the signature did not verify\n`);
  }
  setExit(result.verified ? ExitCode.ok : ExitCode.verdict);
}

/** Registers `verify model|dataset`. */
export const registerVerifyCommand: CommandRegistrar = (program, io, setExit) => {
  const verify = program.command("verify").description("verify a signed model or dataset (a folder or a registry reference) and its evidence against a policy, or a container image in its registry");
  for (const kind of ["model", "dataset"] as const) {
    const command = addCertificateOptions(
      verify
        .command(`${kind} <dir>`)
        .description(`verify a ${kind}'s OMS signature and every file; with --policy, its evidence`)
      .option("--key <file>", "public key (PEM or DER) the bundle must be signed with")
      .option("--root <file>", "trusted root certificate(s), PEM: verify the bundle's certificate chain to it")
      .option("--certificate-chain <file>", "extra intermediate certificates (PEM) for --root")
      .option("--identity <san>", "Sigstore keyless: exact certificate identity (e-mail or URI SAN)")
      .option("--identity-regexp <re>", "Sigstore keyless: regular expression the whole identity must match")
      .option("--issuer <url>", "Sigstore keyless: OIDC issuer of the identity")
      .option("--trusted-root <file>", "Sigstore trusted_root.json (default: the public-good root shipped with @sigstore/tuf)"),
    )
      .option("--bundle <file>", "signature bundle (default DIR/model.sig)")
      .option("--policy <file>", "attestation policy (YAML): signers, required evidence, licences, vulnerabilities, evaluation")
      .option("--evidence <file>", "evidence bundles, JSON Lines (default model.evidence.jsonl beside the bundle)")
      .option("--ignore <glob>", "path relative to DIR, or glob, to leave out (repeatable)", collect, [])
      .option("--ignore-unsigned-files", "do not fail on files present in DIR but not signed")
      .option("--json", "print the verdict as JSON");
    addPullOptions(command).action(async (dir: string, _opts: unknown, cmd: Command) => {
      // DIR may be an OCI reference (a model pushed with `attest model --push`): pulled, then verified
      const pulled = await pullIfReference(dir, cmd.opts<{ plainHttp?: boolean }>());
      try {
        await runVerify(kind, pulled?.dir ?? dir, cmd.opts<VerifyFlags>(), io, setExit);
      } finally {
        await pulled?.cleanup();
      }
    });
  }
  registerVerifyImage(verify, io, setExit);
};
