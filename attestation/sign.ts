import { sign as cryptoSign, type KeyObject } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as path from "node:path";
import type { IdentityProvider } from "@sigstore/sign";
import { keyBundleJson, preAuthEncoding } from "./bundle";
import { SigningError, messageOf } from "./errors";
import { readGitSource, type GitSource } from "./git";
import type { LoadedPrivateKey } from "./keys";
import {
  DEFAULT_EVIDENCE_FILE,
  DEFAULT_SIGNATURE_FILE,
  computeManifest,
  type HashProgress,
  type Manifest,
  type SerializationMethod,
} from "./manifest";
import { IN_TOTO_PAYLOAD_TYPE, buildModelStatement, encodeStatement, type ArtifactKind, type InTotoStatement } from "./statement";

/**
 * Signing of in-toto statements into OMS Sigstore bundles.
 *
 * - With a local EC key, fully offline: node:crypto signs the DSSE pre-authentication encoding
 *   with the hash of the curve (SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521), and the
 *   bundle is written in the reference tool's layout (v0.3, `publicKey.hint`, no tlog entries).
 * - Keyless, in CI: a thin wrapper over `@sigstore/sign` (Fulcio certificate for the ambient
 *   OIDC token, Rekor entry, optionally an RFC 3161 timestamp). The tests run it against the
 *   Sigstore project's service mocks (`@sigstore/mock`) on 127.0.0.1; see attestation/README.md
 *   for the GitHub Actions setup.
 */

export type SignerSpec =
  | { readonly method: "key"; readonly privateKey: LoadedPrivateKey }
  | {
      readonly method: "keyless";
      /** @default https://fulcio.sigstore.dev */
      readonly fulcioURL?: string;
      /** @default https://rekor.sigstore.dev */
      readonly rekorURL?: string;
      /** RFC 3161 timestamp authority (full URL or base URL); none by default, as the public-good flow relies on Rekor's time. */
      readonly tsaURL?: string;
      /** An OIDC token; without it the ambient CI token is used (GitHub Actions `id-token: write`). */
      readonly identityToken?: string;
    };

function signDsseWithKey(key: KeyObject, hash: string, payload: Buffer): Buffer {
  return cryptoSign(hash, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), { key, dsaEncoding: "der" });
}

/** Signs a statement and returns the Sigstore bundle as a JSON object. */
export async function signStatement(statement: InTotoStatement, signer: SignerSpec): Promise<Record<string, unknown>> {
  const payload = encodeStatement(statement);
  if (signer.method === "key") {
    const { key, publicKey } = signer.privateKey;
    const signature = signDsseWithKey(key, publicKey.hash, payload);
    return keyBundleJson({ payload, payloadType: IN_TOTO_PAYLOAD_TYPE, signature, hint: publicKey.hint });
  }
  // @sigstore/sign takes ~0.4 s to load (its HTTP stack); only keyless signing pays for it
  const { CIContextProvider, DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness } = await import("@sigstore/sign");
  const { bundleToJSON } = await import("@sigstore/bundle");
  const identityProvider: IdentityProvider = signer.identityToken
    ? { getToken: () => Promise.resolve(signer.identityToken!) }
    : new CIContextProvider("sigstore");
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({ identityProvider, ...(signer.fulcioURL ? { fulcioBaseURL: signer.fulcioURL } : {}) }),
    witnesses: [
      new RekorWitness({ entryType: "dsse", ...(signer.rekorURL ? { rekorBaseURL: signer.rekorURL } : {}) }),
      ...(signer.tsaURL ? [new TSAWitness({ tsaBaseURL: signer.tsaURL })] : []),
    ],
  });
  try {
    const bundle = await builder.create({ data: payload, type: IN_TOTO_PAYLOAD_TYPE });
    // bundleToJSON's declared type is a union of exact shapes; we only need a plain object
    return bundleToJSON(bundle) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new SigningError("SIGNING_KEYLESS_FAILED", `keyless signing failed (Fulcio/Rekor/OIDC): ${messageOf(err)}`, { cause: err });
  }
}

/** Writes a file atomically (temporary file then rename), so a reader never sees half a bundle. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  await fsp.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  await fsp.writeFile(temp, data, { mode: 0o644 });
  await fsp.rename(temp, file);
}

export interface AttestDirectoryOptions {
  readonly root: string;
  /** @default "model" */
  readonly kind?: ArtifactKind;
  readonly signer: SignerSpec;
  /** Bundle path. @default ROOT/model.sig */
  readonly out?: string;
  readonly ignorePaths?: readonly string[];
  /** @default "files" */
  readonly method?: SerializationMethod;
  readonly shardSize?: number;
  /** @default false */
  readonly allowSymlinks?: boolean;
  /** Record the git remote and commit when ROOT is a clone. @default true */
  readonly recordGitSource?: boolean;
  readonly concurrency?: number;
  /** See `ManifestOptions.hashOnCallingThread`. @default false */
  readonly hashOnCallingThread?: boolean;
  readonly onProgress?: (progress: HashProgress) => void;
}

export interface AttestDirectoryResult {
  readonly bundlePath: string;
  readonly manifest: Manifest;
  readonly statement: InTotoStatement;
  readonly bundle: Record<string, unknown>;
  readonly source?: GitSource;
}

/**
 * Signs a model or dataset directory: manifest (the signature and evidence files left out and
 * recorded in `ignore_paths`), OMS statement with the git source, bundle written to `out`.
 */
export async function attestDirectory(options: AttestDirectoryOptions): Promise<AttestDirectoryResult> {
  const root = path.resolve(options.root);
  const st = await fsp.stat(root).catch(() => undefined);
  const baseDir = st?.isFile() ? path.dirname(root) : root;
  const bundlePath = path.resolve(options.out ?? path.join(baseDir, DEFAULT_SIGNATURE_FILE));
  const manifest = await computeManifest(root, {
    method: options.method ?? "files",
    ...(options.shardSize !== undefined ? { shardSize: options.shardSize } : {}),
    allowSymlinks: options.allowSymlinks ?? false,
    ignorePaths: options.ignorePaths ?? [],
    // the conventional signature files at the root are never model content, wherever this bundle goes
    signatureFiles: [bundlePath, path.join(path.dirname(bundlePath), DEFAULT_EVIDENCE_FILE), path.join(baseDir, DEFAULT_SIGNATURE_FILE), path.join(baseDir, DEFAULT_EVIDENCE_FILE)],
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.hashOnCallingThread !== undefined ? { hashOnCallingThread: options.hashOnCallingThread } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const source = options.recordGitSource === false || st?.isFile() ? undefined : await readGitSource(root);
  const statement = buildModelStatement(manifest, { kind: options.kind ?? "model", ...(source ? { source } : {}) });
  const bundle = await signStatement(statement, options.signer);
  await writeFileAtomic(bundlePath, `${JSON.stringify(bundle)}\n`);
  return { bundlePath, manifest, statement, bundle, ...(source ? { source } : {}) };
}
