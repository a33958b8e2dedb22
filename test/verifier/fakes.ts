import { Agent as HttpAgent, createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TransientVerificationError } from "../../verifier/errors";
import type { RegistryRequestStatus } from "../../verifier/metrics";
import type { ImageVerifier, ModelVerifier, Verdict, VerifyRequest, Verifiers } from "../../verifier/verification";

/**
 * Verifiers that behave like the real ones (issue 11's `verify image` and the model check):
 * latency that honours the abort signal, definite denials, transient failures that throw.
 */

export const D = (c: string): string => `sha256:${c.repeat(64)}`;
export const REG = "myacr.azurecr.io";

export type Behaviour = "signed" | "unsigned" | "wrong-signer" | "missing-evidence" | "tampered" | "unreachable" | "listing-failed" | "hang" | "throws";

/** The verdict a real verifier gives for each behaviour (the reasons are the ones issue 11's verifier is specified to give). */
export function verdictFor(behaviour: Behaviour, ref: string): Verdict {
  switch (behaviour) {
    case "signed":
      return { decision: "allow", code: "VERIFIED", reason: "signed by key keys/release.pub.pem; predicates https://sigstore.dev/cosign/sign/v1, https://cyclonedx.org/bom", definite: true };
    case "unsigned":
      return { decision: "deny", code: "UNSIGNED", reason: "no attestation names this digest as its subject (referrers API: not supported; tag sha256-<hex>: not found)", definite: true };
    case "wrong-signer":
      return { decision: "deny", code: "SIGNER_NOT_ALLOWED", reason: "signed, but not by a signer the policy allows (key keys/release.pub.pem)", definite: true };
    case "missing-evidence":
      return { decision: "deny", code: "EVIDENCE_MISSING", reason: "required: no verified vulnerability-scan evidence for this subject (found predicates: https://sigstore.dev/cosign/sign/v1)", definite: true };
    case "tampered":
      return { decision: "deny", code: "MODEL_DIGEST_MISMATCH", reason: "model.sig does not match the model: file weights.bin has a different digest", definite: true };
    default:
      throw new Error(`no verdict for ${behaviour} (${ref})`);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** An in-memory verifier: behaviour by digest, `unsigned` for any digest it was not told about. */
export class FakeVerifier implements ImageVerifier, ModelVerifier {
  readonly calls = new Map<string, number>();
  latencyMs = 0;
  private readonly table = new Map<string, Behaviour>();

  /**
   * @param entries behaviour by digest
   * @param exactRefs when given, only these `registry/repo@digest` carry attestations: the same
   *   digest in another repository is unsigned, as with a real registry (attachments live per repository)
   */
  constructor(
    entries: Record<string, Behaviour> = {},
    private readonly exactRefs?: ReadonlySet<string>,
  ) {
    for (const [digest, b] of Object.entries(entries)) this.table.set(digest, b);
  }

  set(digest: string, behaviour: Behaviour): void {
    this.table.set(digest, behaviour);
  }

  callCount(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c;
    return n;
  }

  async verifyImage(req: VerifyRequest): Promise<Verdict> {
    return this.verify(req);
  }

  async verifyModel(req: VerifyRequest): Promise<Verdict> {
    return this.verify(req);
  }

  private async verify(req: VerifyRequest): Promise<Verdict> {
    this.calls.set(req.ref, (this.calls.get(req.ref) ?? 0) + 1);
    const behaviour = this.exactRefs && !this.exactRefs.has(req.ref) ? "unsigned" : (this.table.get(req.reference.digest) ?? "unsigned");
    if (behaviour === "hang") return new Promise<Verdict>(() => undefined);
    if (this.latencyMs > 0) await sleep(this.latencyMs, req.signal);
    if (behaviour === "unreachable") throw new TransientVerificationError("REGISTRY_UNREACHABLE", `registry ${req.reference.registry} unreachable (connect ECONNREFUSED)`);
    if (behaviour === "listing-failed") throw new TransientVerificationError("LISTING_FAILED", "listing the referrers failed: GET /v2/ml/serving/manifests/sha256-<hex> answered 500");
    if (behaviour === "throws") throw new TypeError("Cannot read properties of undefined (reading 'layers')");
    return verdictFor(behaviour, req.ref);
  }
}

export function fakeVerifiers(fake: FakeVerifier): Verifiers {
  return { image: fake, model: fake };
}

/**
 * A tiny real HTTP server on 127.0.0.1 standing for the registry: `GET /v2/<repo>/manifests/<digest>`
 * answers the behaviour of the digest as JSON, 404 for an unknown digest. It can be stopped and
 * started again on the same port.
 */
export class StandInRegistry {
  private server: Server | undefined;
  port = 0;
  readonly table = new Map<string, Behaviour>();
  requests = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.requests++;
      const m = /^\/v2\/(.+)\/manifests\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? "");
      const behaviour = m ? this.table.get(m[2]!) : undefined;
      if (!behaviour) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ behaviour }));
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * A verifier that asks the stand-in registry over HTTP, as the real adapter asks the real one:
 * a refused connection or a 5xx is transient, a 404 is a definite "no such manifest".
 */
export class HttpStandInVerifier implements ImageVerifier, ModelVerifier {
  constructor(
    private readonly registry: StandInRegistry,
    private readonly onRequest: (status: RegistryRequestStatus) => void = () => undefined,
  ) {}

  private readonly agent = new HttpAgent({ keepAlive: true, maxSockets: 16 });

  verifyImage(req: VerifyRequest): Promise<Verdict> {
    return this.verify(req);
  }

  verifyModel(req: VerifyRequest): Promise<Verdict> {
    return this.verify(req);
  }

  private async verify(req: VerifyRequest): Promise<Verdict> {
    let res: { status: number; body: string };
    try {
      res = await this.get(`/v2/${req.reference.repository}/manifests/${req.reference.digest}`, req.signal);
    } catch (err) {
      this.onRequest("error");
      if (req.signal.aborted) throw req.signal.reason;
      throw new TransientVerificationError("REGISTRY_UNREACHABLE", `registry ${req.reference.registry} unreachable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
    this.onRequest(res.status);
    if (res.status === 404) return { decision: "deny", code: "MANIFEST_UNKNOWN", reason: "the registry has no manifest with this digest", definite: true };
    if (res.status !== 200) throw new TransientVerificationError("REGISTRY_ERROR", `the registry answered ${res.status}`);
    const body = JSON.parse(res.body) as { behaviour: Behaviour };
    return verdictFor(body.behaviour, req.ref);
  }

  /** A pooled keep-alive GET, as a registry client keeps a few connections per registry. */
  private get(urlPath: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port: this.registry.port, path: urlPath, agent: this.agent, signal }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
