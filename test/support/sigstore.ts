import { X509Certificate, createHash, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler,
  type HandlerFn,
} from "@sigstore/mock";
import { preAuthEncoding } from "../../attestation/bundle";
import type { SignerSpec } from "../../attestation/sign";

/**
 * A keyless Sigstore instance for tests, offline: the Sigstore project's own service mocks
 * (`@sigstore/mock`: Fulcio with an ephemeral CA and CT log, Rekor v1 with signed entry
 * timestamps and inclusion proofs, an RFC 3161 TSA) served over real HTTP on 127.0.0.1, an OIDC
 * issuer key that signs GitHub Actions-shaped tokens, and the trusted root of those keys.
 *
 * Why a server and not the mocks' own `mockFulcio()`/`mockRekor()`: those install `nock`
 * interceptors, which patch `http` in the test process only (a CLI started as a child process,
 * or the verifier service, would escape them), hide the CA, log and TSA keys a trusted root
 * needs, and decode the OIDC token without checking it. Here the mocks' handlers (the same
 * request and response documents) sit behind a server that first does what Fulcio does with
 * the token: checks its signature against the issuer's key, its issuer, audience and expiry,
 * and the proof of possession, then derives the SAN as Fulcio's GitHub issuer does
 * (`https://github.com/` + `job_workflow_ref`; the mock takes the SAN verbatim from one claim);
 * and before the mock Rekor, what Rekor does with a `dsse` entry (the mock logs the proposal as
 * sent, whose body no verifier accepts): checks its signatures and keeps the canonical body.
 *
 * Endpoints (all on one port):
 * - `fulcioURL`: the trusted CA;
 * - `untrustedFulcioURL`: another CA, not in the trusted root (same CT log, Rekor and TSA);
 * - `rekorURL`: the log; `lateRekorURL`: the same log key with a clock one hour ahead, so an
 *   entry is integrated after the 10-minute certificate has expired;
 * - `tsaURL`: the timestamp authority.
 */

export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** Claims of a GitHub Actions OIDC token, as GitHub documents them. */
export interface GithubRunClaims {
  /** `owner/name`. @default "octo-org/models" */
  readonly repository?: string;
  /** Workflow file under .github/workflows. @default "release-model.yml" */
  readonly workflowFile?: string;
  /** @default "refs/tags/v1.2.0" */
  readonly ref?: string;
  /** @default "push" */
  readonly eventName?: string;
  /** Workflow name (`name:` of the file). @default "Release model" */
  readonly workflowName?: string;
  /** @default "github-hosted" */
  readonly runnerEnvironment?: string;
  /** Overrides or extra claims. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

const SHA = "7d2c0a3bb1f59b1b2d3a4f5e6c7d8e9fa0b1c2d3";

/** A GitHub Actions token's payload for a run of `workflowFile` at `ref`. */
export function githubClaims(run: GithubRunClaims = {}, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const repository = run.repository ?? "octo-org/models";
  const ref = run.ref ?? "refs/tags/v1.2.0";
  const workflowRef = `${repository}/.github/workflows/${run.workflowFile ?? "release-model.yml"}@${ref}`;
  const [owner] = repository.split("/");
  return {
    jti: "5f0e2a4c-8d7b-4e1f-9a3c-2b6d8e0f1a2b",
    sub: `repo:${repository}:ref:${ref}`,
    aud: "sigstore",
    ref,
    sha: SHA,
    repository,
    repository_owner: owner,
    repository_owner_id: "1000001",
    repository_id: "2000002",
    repository_visibility: "private",
    run_id: "9000000001",
    run_number: "42",
    run_attempt: "1",
    runner_environment: run.runnerEnvironment ?? "github-hosted",
    actor: "release-bot",
    actor_id: "3000003",
    workflow: run.workflowName ?? "Release model",
    head_ref: "",
    base_ref: "",
    event_name: run.eventName ?? "push",
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    ref_protected: "true",
    workflow_ref: workflowRef,
    workflow_sha: SHA,
    job_workflow_ref: workflowRef,
    job_workflow_sha: SHA,
    iss: GITHUB_ISSUER,
    nbf: nowSeconds - 60,
    iat: nowSeconds - 60,
    exp: nowSeconds + 3600,
    ...run.extra,
  };
}

/** The SAN Fulcio gives a GitHub Actions token: the URI of the job's workflow at its ref. */
export function githubIdentity(run: GithubRunClaims = {}): string {
  return `https://github.com/${githubClaims(run)["job_workflow_ref"] as string}`;
}

export interface KeylessTestbed {
  readonly fulcioURL: string;
  readonly untrustedFulcioURL: string;
  readonly rekorURL: string;
  readonly lateRekorURL: string;
  readonly tsaURL: string;
  /** The trusted root (Sigstore `TrustedRoot` JSON) of the trusted CA, its CT log, the log and the TSA. */
  readonly trustedRoot: Record<string, unknown>;
  /** Writes the trusted root to `dir/trusted_root.json` and returns the path. */
  writeTrustedRoot(dir: string, name?: string): string;
  /** A token signed by the testbed's OIDC issuer key. */
  token(claims: Record<string, unknown>): string;
  /** A token signed by a key the issuer does not have (Fulcio refuses it). */
  forgedToken(claims: Record<string, unknown>): string;
  /** The keyless signer spec `attest` builds from its flags, pointed at this testbed. */
  signer(run?: GithubRunClaims, options?: { fulcio?: "trusted" | "untrusted"; rekor?: "on-time" | "late"; tsa?: boolean }): SignerSpec;
  /** Requests served, by path, for assertions that a service was (or was not) used. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

const P256 = "prime256v1";

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync("ec", { namedCurve: P256 });
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const head = `${b64url(JSON.stringify({ alg: "ES256", typ: "JWT", kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${b64url(cryptoSign("sha256", Buffer.from(head), { key, dsaEncoding: "ieee-p1363" }))}`;
}

class FulcioRefusal extends Error {}

/**
 * What Fulcio checks before it issues: the token's ES256 signature by the issuer's key, issuer,
 * audience, expiry, and the proof of possession (the subject signed with the requested key).
 * Returns the claims the mock CA should see, with the SAN placed in `sanClaim`.
 */
function admitSigningRequest(body: string, issuerKey: KeyObject, sanClaim: string): string {
  const request = JSON.parse(body) as {
    credentials?: { oidcIdentityToken?: string };
    publicKeyRequest?: { publicKey?: { content?: string }; proofOfPossession?: string };
  };
  const token = request.credentials?.oidcIdentityToken ?? "";
  const [h, p, s] = token.split(".");
  if (h === undefined || p === undefined || s === undefined) throw new FulcioRefusal("malformed token");
  if (!cryptoVerify("sha256", Buffer.from(`${h}.${p}`), { key: issuerKey, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"))) {
    throw new FulcioRefusal("token signature does not verify with the issuer's key");
  }
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  if (claims["iss"] !== GITHUB_ISSUER) throw new FulcioRefusal(`unknown issuer ${String(claims["iss"])}`);
  if (claims["aud"] !== "sigstore") throw new FulcioRefusal("audience is not sigstore");
  if (typeof claims["exp"] !== "number" || claims["exp"] * 1000 < Date.now()) throw new FulcioRefusal("token expired");
  const pem = request.publicKeyRequest?.publicKey?.content ?? "";
  const pop = Buffer.from(request.publicKeyRequest?.proofOfPossession ?? "", "base64");
  if (!cryptoVerify("sha256", Buffer.from(String(claims["sub"])), pem, pop)) throw new FulcioRefusal("proof of possession does not verify");
  const jobWorkflowRef = claims["job_workflow_ref"];
  if (typeof jobWorkflowRef !== "string") throw new FulcioRefusal("no job_workflow_ref claim");
  // the mock decodes without verifying, so the checked claims travel in an unsigned token
  const admitted = { ...claims, [sanClaim]: `https://github.com/${jobWorkflowRef}` };
  const unsigned = `${b64url(JSON.stringify({ alg: "none" }))}.${b64url(JSON.stringify(admitted))}.`;
  return JSON.stringify({ ...request, credentials: { oidcIdentityToken: unsigned } });
}

class RekorRefusal extends Error {}

/**
 * What Rekor does with a proposed `dsse` v0.0.1 entry before it logs it, which the mock leaves
 * out (it logs the proposal as sent, and no verifier would accept that body): checks every
 * signature against its verifier, then stores the canonical body, hashes and signatures only.
 */
function canonicalizeDsseEntry(body: string): string {
  const proposed = JSON.parse(body) as { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope?: string; verifiers?: string[] } } };
  if (proposed.kind !== "dsse" || proposed.apiVersion !== "0.0.1") throw new RekorRefusal(`this log takes dsse 0.0.1 entries, not ${String(proposed.kind)} ${String(proposed.apiVersion)}`);
  const envelopeText = proposed.spec?.proposedContent?.envelope ?? "";
  const envelope = JSON.parse(envelopeText) as { payload: string; payloadType: string; signatures: { sig: string }[] };
  const payload = Buffer.from(envelope.payload, "base64");
  const verifiers = (proposed.spec?.proposedContent?.verifiers ?? []).map((v) => Buffer.from(v, "base64").toString("utf8"));
  const signatures = envelope.signatures.map((s) => {
    const pae = preAuthEncoding(envelope.payloadType, payload);
    const verifier = verifiers.find((pem) => {
      const key = pem.includes("CERTIFICATE") ? new X509Certificate(pem).publicKey : pem;
      return cryptoVerify("sha256", pae, key, Buffer.from(s.sig, "base64"));
    });
    if (verifier === undefined) throw new RekorRefusal("a signature does not verify with any verifier");
    return { signature: s.sig, verifier: Buffer.from(verifier).toString("base64") };
  });
  const sha256 = (data: Buffer | string): { algorithm: string; value: string } => ({ algorithm: "sha256", value: createHash("sha256").update(data).digest("hex") });
  return JSON.stringify({
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: { envelopeHash: sha256(envelopeText), payloadHash: sha256(payload), signatures },
  });
}

/**
 * The mock TSA writes genTime with asn1js, which drops the trailing zeros of the milliseconds
 * ("...07.5Z"), and @sigstore/core reads exactly three fraction digits: one timestamp in ten
 * would not parse. The mock keeps its clock as a per-instance function; this one moves any
 * millisecond count ending in 0 on by 1 ms.
 */
function fixTsaClock(tsa: object): void {
  const holder = tsa as { getCurrentTime?: unknown };
  if (typeof holder.getCurrentTime !== "function") throw new Error("@sigstore/mock's TSA no longer has getCurrentTime: recheck the genTime workaround");
  holder.getCurrentTime = (): Date => {
    const now = Date.now();
    return new Date(now % 10 === 0 ? now + 1 : now);
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: "spki", format: "der" });
}

/** Starts the testbed on 127.0.0.1 (an ephemeral port); it stops on `close()` or when the process exits. */
export async function startKeylessTestbed(): Promise<KeylessTestbed> {
  const started = new Date(Date.now() - 60_000);
  const issuerKey = keyPair();
  const ctKeys = keyPair();
  const ctlog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(keyPair(), ctlog);
  const untrustedCa = await initializeCA(keyPair(), ctlog);
  const logKeys = keyPair();
  const tsaKeys = keyPair();
  const tsa = await initializeTSA(tsaKeys);
  fixTsaClock(tsa);
  const sanClaim = "secure_mlops_fulcio_san";

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const rekorHost = `http://127.0.0.1:${port}/rekor`;
  const tlog = await initializeTLog(rekorHost, logKeys);
  const lateTlog = await initializeTLog(rekorHost, logKeys, new Date(Date.now() + 3_600_000));

  const fulcio = (handler: HandlerFn): HandlerFn => async (body) => {
    try {
      return await handler(admitSigningRequest(body, issuerKey.publicKey, sanClaim));
    } catch (err) {
      if (err instanceof FulcioRefusal) return { statusCode: 401, response: JSON.stringify({ code: 401, message: err.message }), contentType: "application/json" };
      throw err;
    }
  };
  const rekor = (handler: HandlerFn): HandlerFn => async (body) => {
    try {
      return await handler(canonicalizeDsseEntry(body));
    } catch (err) {
      if (err instanceof RekorRefusal) return { statusCode: 400, response: JSON.stringify({ code: 400, message: err.message }), contentType: "application/json" };
      throw err;
    }
  };
  const routes = new Map<string, HandlerFn>([
    [`/fulcio${fulcioHandler(ca).path}`, fulcio(fulcioHandler(ca, { subjectClaim: sanClaim }).fn)],
    [`/fulcio-untrusted${fulcioHandler(untrustedCa).path}`, fulcio(fulcioHandler(untrustedCa, { subjectClaim: sanClaim }).fn)],
    [`/rekor${rekorHandler(tlog).path}`, rekor(rekorHandler(tlog).fn)],
    [`/rekor-late${rekorHandler(lateTlog).path}`, rekor(rekorHandler(lateTlog).fn)],
    [`/tsa${tsaHandler(tsa).path}`, tsaHandler(tsa).fn],
  ]);
  const requests: string[] = [];
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = req.url ?? "";
      requests.push(url);
      const route = req.method === "POST" ? routes.get(url) : undefined;
      if (!route) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ code: 404, message: `no route ${req.method} ${url}` }));
        return;
      }
      try {
        const result = await route(await readBody(req));
        res.writeHead(result.statusCode, { "content-type": result.contentType ?? "text/plain" });
        res.end(typeof result.response === "string" ? result.response : Buffer.from(result.response.buffer, result.response.byteOffset, result.response.byteLength));
      } catch (err) {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
      }
    })();
  });
  // never keeps the test process alive, and stops on its own after ten minutes at most
  server.unref();
  const lifetime = setTimeout(() => server.close(), 600_000);
  lifetime.unref();

  const logPublicKey = spki(logKeys.publicKey);
  const validFor = { start: started.toISOString() };
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: rekorHost,
        hashAlgorithm: "SHA2_256",
        publicKey: { rawBytes: logPublicKey.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
        logId: { keyId: createHash("sha256").update(logPublicKey).digest("base64") },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: "sigstore.mock", commonName: "sigstore" },
        uri: `${base}/fulcio`,
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate.buffer, ca.rootCertificate.byteOffset, ca.rootCertificate.byteLength).toString("base64") }] },
        validFor,
      },
    ],
    ctlogs: [
      {
        baseUrl: `${base}/ct`,
        hashAlgorithm: "SHA2_256",
        publicKey: { rawBytes: ctlog.publicKey.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor },
        logId: { keyId: Buffer.from(ctlog.logID.buffer, ctlog.logID.byteOffset, ctlog.logID.byteLength).toString("base64") },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: "sigstore.mock", commonName: "tsa" },
        uri: `${base}/tsa`,
        certChain: {
          certificates: [tsa.intCertificate, tsa.rootCertificate].map((c) => ({ rawBytes: Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString("base64") })),
        },
        validFor,
      },
    ],
  };
  const forger = keyPair();
  const bed: KeylessTestbed = {
    fulcioURL: `${base}/fulcio`,
    untrustedFulcioURL: `${base}/fulcio-untrusted`,
    rekorURL: `${base}/rekor`,
    lateRekorURL: `${base}/rekor-late`,
    tsaURL: `${base}/tsa/api/v1/timestamp`,
    trustedRoot,
    writeTrustedRoot(dir, name = "trusted_root.json") {
      const file = path.join(dir, name);
      writeFileSync(file, JSON.stringify(trustedRoot, null, 2));
      return file;
    },
    token: (claims) => signJwt(claims, issuerKey.privateKey, "test-issuer"),
    forgedToken: (claims) => signJwt(claims, forger.privateKey, "test-issuer"),
    signer(run = {}, options = {}) {
      return {
        method: "keyless",
        fulcioURL: options.fulcio === "untrusted" ? bed.untrustedFulcioURL : bed.fulcioURL,
        rekorURL: options.rekor === "late" ? bed.lateRekorURL : bed.rekorURL,
        ...(options.tsa === false ? {} : { tsaURL: bed.tsaURL }),
        identityToken: bed.token(githubClaims(run)),
      };
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return bed;
}
