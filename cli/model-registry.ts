import { promises as fsp } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import type { Manifest } from "../attestation/manifest";
import type { SignerSpec } from "../attestation/sign";
import { parseReference } from "../registry/reference";
import { UsageError } from "./command";
import { inputError } from "./image-options";

/**
 * The registry side of `attest model --push REF` and `verify model REF`: a leaf module the
 * model commands call; it imports no command module.
 */

export interface PushFlags {
  push?: string;
  plainHttp?: boolean;
}

/** `--push REF` and `--plain-http` on `attest model|dataset`. */
export function addPushOptions(cmd: Command): Command {
  return cmd
    .option("--push <ref>", "also push the signed folder as an OCI artifact (one layer per file) to REF, with model.sig and the evidence as referrers")
    .option("--plain-http", "talk HTTP, not HTTPS, to a registry that is not on a loopback address");
}

/** `--plain-http` on `verify model|dataset` (REF instead of DIR). */
export function addPullOptions(cmd: Command): Command {
  return cmd.option("--plain-http", "with REF: talk HTTP, not HTTPS, to a registry that is not on a loopback address");
}

function registryFailure(err: unknown, ref: string): never {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("REGISTRY_")) throw new UsageError(`${ref}: ${(err as Error).message} (${code})`, { cause: err });
  inputError(err, ref);
}

/** Pushes a folder just signed; returns the lines to print. */
export async function pushSigned(options: { root: string; kind: "model" | "dataset"; manifest: Manifest; bundlePath: string; flags: PushFlags; signer: SignerSpec }): Promise<{ text: string; json: Record<string, unknown> }> {
  const ref = options.flags.push!;
  try {
    parseReference(ref);
  } catch (err) {
    inputError(err, "--push");
  }
  const { pushModel } = await import("../attestation/model-registry");
  try {
    const r = await pushModel({
      root: options.root,
      ref,
      manifest: options.manifest,
      kind: options.kind,
      bundlePath: options.bundlePath,
      evidenceFile: path.join(path.dirname(options.bundlePath), "model.evidence.jsonl"),
      registry: { plainHttp: options.flags.plainHttp ?? false },
      ...(options.signer.method === "key" ? { signerKey: options.signer.privateKey.publicKey } : {}),
    });
    const where = `${r.reference.registry}/${r.reference.repository}@${r.digest}`;
    return {
      text: `pushed: ${where} (${r.layers} layer${r.layers === 1 ? "" : "s"}, ${r.bytes} bytes, ${r.referrers.length} referrer${r.referrers.length === 1 ? "" : "s"})\n`,
      json: { reference: ref, digest: r.digest, layers: r.layers, bytes: r.bytes, referrers: r.referrers },
    };
  } catch (err) {
    registryFailure(err, ref);
  }
}

/**
 * When `arg` is not a path but an OCI reference with a registry, pulls the model into a
 * temporary folder to verify; `cleanup` removes it.
 */
export async function pullIfReference(arg: string, flags: { plainHttp?: boolean }): Promise<{ dir: string; digest: string; cleanup: () => Promise<void> } | undefined> {
  if (await fsp.stat(arg).catch(() => undefined)) return undefined;
  let hasRegistry: boolean;
  try {
    const ref = parseReference(arg);
    hasRegistry = arg.startsWith(`${ref.registry}/`);
  } catch {
    return undefined;
  }
  if (!hasRegistry) return undefined;
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "secure-mlops-pull-"));
  const cleanup = (): Promise<void> => fsp.rm(tmp, { recursive: true, force: true });
  try {
    const dir = path.join(tmp, "model");
    const { pullModel } = await import("../attestation/model-registry");
    const pulled = await pullModel({ ref: arg, dest: dir, registry: { plainHttp: flags.plainHttp ?? false } });
    return { dir, digest: pulled.digest, cleanup };
  } catch (err) {
    await cleanup();
    registryFailure(err, arg);
  }
}
