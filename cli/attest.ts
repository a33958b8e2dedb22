import { promises as fsp } from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { parseBundle } from "../attestation/bundle";
import { EVIDENCE_TYPES, buildEvidence, signAndStoreEvidence, type EvidenceType } from "../attestation/evidence";
import { DEFAULT_EVIDENCE_FILE } from "../attestation/manifest";
import { parseModelStatement, type ArtifactKind } from "../attestation/statement";
import { ExitCode, UsageError, asUsageError, collect, errorCode, isInputError, progressReporter, toolVersion, type CommandRegistrar, type Io } from "./command";
import { readCertificateIdentity } from "../attestation/identity";
import { addSignerOptions, signerFrom, type SignerFlags } from "./signer-options";
import { registerAttestImage } from "./attest-image";
import { addPushOptions, pushSigned, type PushFlags } from "./model-registry";

/**
 * `secure-mlops attest model|dataset DIR` signs a directory into an OMS `model.sig`;
 * `secure-mlops attest evidence DIR --type T` signs one piece of evidence about it into
 * `model.evidence.jsonl`. Exit 0 signed, 1 the tree was refused (symlink, file changed while
 * hashed, nothing to sign), 2 bad usage or unreadable input.
 */

/** Who a keyless bundle names as its signer, read from its Fulcio certificate; undefined for key bundles. */
export function keylessSignerOf(bundle: Record<string, unknown>): { identity: string | null; issuer: string | null } | undefined {
  const vm = bundle["verificationMaterial"] as { certificate?: { rawBytes?: string } } | undefined;
  const raw = vm?.certificate?.rawBytes;
  if (typeof raw !== "string") return undefined;
  const identity = readCertificateIdentity(Buffer.from(raw, "base64"));
  return { identity: identity.subjectAlternativeName ?? null, issuer: identity.issuer ?? null };
}

interface AttestFlags extends SignerFlags, PushFlags {
  out?: string;
  ignore: string[];
  method: string;
  shardSize?: string;
  allowSymlinks?: boolean;
  gitSource: boolean;
  json?: boolean;
}

function parseShardSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`--shard-size: must be a positive whole number of bytes, got ${JSON.stringify(text)}`);
  return Number(text);
}

async function runAttestDirectory(kind: ArtifactKind, dir: string, flags: AttestFlags, io: Io, setExit: (code: number) => void): Promise<void> {
  if (flags.method !== "files" && flags.method !== "shards") throw new UsageError(`--method: must be "files" or "shards", got ${JSON.stringify(flags.method)}`);
  const shardSize = parseShardSize(flags.shardSize);
  if (shardSize !== undefined && flags.method !== "shards") throw new UsageError("--shard-size: only with --method shards");
  const st = await fsp.stat(dir).catch(() => undefined);
  if (!st) throw new UsageError(`${dir}: no such file or directory`);
  // loaded here, not at the top: `attest evidence` and `attest image` do not sign directories
  const { attestDirectory } = await import("../attestation/sign");
  const signer = await signerFrom(flags);
  const progress = progressReporter(io, `hashing ${kind}`);
  let result;
  try {
    result = await attestDirectory({
      root: dir,
      kind,
      signer,
      ...(flags.out ? { out: flags.out } : {}),
      ignorePaths: flags.ignore,
      method: flags.method,
      ...(shardSize !== undefined ? { shardSize } : {}),
      allowSymlinks: flags.allowSymlinks ?? false,
      recordGitSource: flags.gitSource,
      // the main thread only waits otherwise; it hashes a small model alone, before a thread could start
      hashOnCallingThread: true,
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    });
  } catch (err) {
    progress.stop();
    const code = errorCode(err);
    if (code?.startsWith("MANIFEST_") && !isInputError(err)) {
      // the tree itself is refused: a verdict against the input, not a usage problem
      const refused = err as { message: string; path?: string };
      if (flags.json) io.out(`${JSON.stringify({ signed: false, kind, path: path.resolve(dir), reasons: [{ code, message: refused.message, ...(refused.path ? { path: refused.path } : {}) }] }, null, 2)}\n`);
      else io.out(`not signed: ${kind} ${dir}\n${refused.message}\n`);
      setExit(ExitCode.verdict);
      return;
    }
    asUsageError(err, flags.out ? "--out" : undefined);
  }
  progress.stop();
  const m = result.manifest;
  const pushed = flags.push ? await pushSigned({ root: dir, kind, manifest: m, bundlePath: result.bundlePath, flags, signer }) : undefined;
  if (flags.json) {
    io.out(
      `${JSON.stringify(
        {
          signed: true,
          kind,
          path: path.resolve(dir),
          bundle: result.bundlePath,
          subject: { name: m.modelName, digest: { sha256: m.rootDigest } },
          method: m.serialization.method,
          files: m.fileCount,
          bytes: m.totalBytes,
          ignorePaths: m.serialization.ignorePaths,
          source: result.source ?? null,
          ...(signer.method === "keyless" ? { signer: keylessSignerOf(result.bundle) ?? null } : {}),
          ...(pushed ? { pushed: pushed.json } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.out(`signed ${kind} ${dir}: ${m.fileCount} file${m.fileCount === 1 ? "" : "s"}, ${m.totalBytes} bytes, sha256:${m.rootDigest}\n`);
    io.out(`bundle: ${result.bundlePath}\n`);
    if (result.source) io.out(`source: ${result.source.remote ?? "(no remote)"} @ ${result.source.commit}\n`);
    const keyless = signer.method === "keyless" ? keylessSignerOf(result.bundle) : undefined;
    if (keyless) io.out(`signer: ${keyless.identity ?? "(no identity)"} (issuer ${keyless.issuer ?? "(none)"})\n`);
    if (pushed) io.out(pushed.text);
  }
  setExit(ExitCode.ok);
}

interface EvidenceFlags extends SignerFlags {
  type: string;
  input?: string;
  bundle?: string;
  out?: string;
  kind?: string;
  json?: boolean;
}

async function runAttestEvidence(dir: string, flags: EvidenceFlags, io: Io, setExit: (code: number) => void): Promise<void> {
  if (!(EVIDENCE_TYPES as readonly string[]).includes(flags.type)) {
    throw new UsageError(`--type: must be one of ${EVIDENCE_TYPES.join(", ")}, got ${JSON.stringify(flags.type)}`);
  }
  const type = flags.type as EvidenceType;
  if (flags.kind !== undefined && flags.kind !== "model" && flags.kind !== "dataset") throw new UsageError(`--kind: must be "model" or "dataset", got ${JSON.stringify(flags.kind)}`);
  const needsInput = type === "vulnerability-scan" || type === "evaluation" || type === "bias-test";
  if (needsInput && !flags.input) throw new UsageError(`--input: ${type} evidence is read from a JSON file; give --input FILE`);
  if (!needsInput && flags.input) throw new UsageError(`--input: ${type} evidence is read from the directory, not from --input`);
  const st = await fsp.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new UsageError(`${dir}: not a directory`);
  const bundlePath = path.resolve(flags.bundle ?? path.join(dir, "model.sig"));
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(bundlePath);
  } catch (err) {
    throw new UsageError(`--bundle ${bundlePath}: cannot read the model signature (${(err as NodeJS.ErrnoException).code ?? String(err)}); sign the model first with \`secure-mlops attest model ${dir}\``, { cause: err });
  }
  let statement;
  try {
    const bundle = parseBundle(bytes);
    statement = parseModelStatement(bundle.envelope.payload);
  } catch (err) {
    throw new UsageError(`--bundle ${bundlePath}: not an OMS model signature (${(err as Error).message})`, { cause: err });
  }
  const signer = await signerFrom(flags);
  const kind: ArtifactKind = statement.kind ?? (flags.kind === "dataset" ? "dataset" : "model");
  const out = path.resolve(flags.out ?? path.join(path.dirname(bundlePath), DEFAULT_EVIDENCE_FILE));
  let predicateType: string;
  try {
    const version = toolVersion();
    const evidence = await buildEvidence({ root: dir, type, statement, kind, ...(flags.input ? { input: flags.input } : {}), ...(version ? { toolVersion: version } : {}) });
    predicateType = evidence.predicateType;
    await signAndStoreEvidence(evidence, signer, out);
  } catch (err) {
    asUsageError(err, flags.input ? "--input" : undefined);
  }
  if (flags.json) {
    io.out(`${JSON.stringify({ signed: true, type, predicateType, subject: { name: statement.subjectName, digest: { sha256: statement.rootDigest } }, evidence: out }, null, 2)}\n`);
  } else {
    io.out(`signed ${type} evidence for ${statement.subjectName} (sha256:${statement.rootDigest})\nevidence: ${out}\n`);
  }
  setExit(ExitCode.ok);
}

/** Registers `attest model|dataset|evidence`. */
export const registerAttestCommand: CommandRegistrar = (program, io, setExit) => {
  const attest = program.command("attest").description("sign a model or dataset (OMS model.sig), evidence about it, or a container image in its registry");
  for (const kind of ["model", "dataset"] as const) {
    addPushOptions(addSignerOptions(
      attest
        .command(`${kind} <dir>`)
        .description(`sign a ${kind} directory (or single file): manifest of every file, in-toto statement, Sigstore bundle`)
        .option("--out <file>", "bundle to write (default DIR/model.sig)")
        .option("--ignore <glob>", "path relative to DIR, or glob, to leave out (repeatable)", collect, [])
        .option("--method <files|shards>", "one resource per file, or per shard of each file", "files")
        .option("--shard-size <bytes>", "shard size for --method shards (default: a sixteenth of the model, 16 MiB to 1000000000)")
        .option("--allow-symlinks", "hash symlinks inside DIR instead of refusing them (never ones leaving DIR)")
        .option("--no-git-source", "do not record the git remote and commit of a clone")
        .option("--json", "print the result as JSON"),
    )).action(async (dir: string, _opts: unknown, cmd: Command) => {
      await runAttestDirectory(kind, dir, cmd.opts<AttestFlags>(), io, setExit);
    });
  }
  addSignerOptions(
    attest
      .command("evidence <dir>")
      .description("sign evidence about a signed model or dataset, bound to its subject digest")
      .requiredOption("--type <type>", `evidence type: ${EVIDENCE_TYPES.join(", ")}`)
      .option("--input <file>", "scanner report (vulnerability-scan) or metrics JSON (evaluation, bias-test)")
      .option("--bundle <file>", "the model's signature, for its subject (default DIR/model.sig)")
      .option("--out <file>", `evidence file to add to (default ${DEFAULT_EVIDENCE_FILE} beside the bundle)`)
      .option("--kind <model|dataset>", "ML-BOM component type when the signature does not say (default model)")
      .option("--json", "print the result as JSON"),
  ).action(async (dir: string, _opts: unknown, cmd: Command) => {
    await runAttestEvidence(dir, cmd.opts<EvidenceFlags>(), io, setExit);
  });
  registerAttestImage(attest, io, setExit);
};
