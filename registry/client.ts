import { createHash } from "node:crypto";
import * as http from "node:http";
import type * as Https from "node:https";
import type { Readable } from "node:stream";
import { basicHeader, loadDockerCredentials, parseChallenge, tokenFromResponse, type Credentials } from "./auth";
import { RegistryError, isRegistryError } from "./errors";
import { DEFAULT_LIMITS, MANIFEST_ACCEPT, type Limits } from "./oci";
import { DIGEST_PATTERN, isLoopback, registryEndpoint } from "./reference";

/**
 * An OCI distribution client for one registry: manifests and blobs by digest or tag, with
 * bounded reads, a timeout per request, the caller's AbortSignal, and authentication from the
 * registry's challenge. Plain HTTP only for loopback registries unless `plainHttp` is set.
 * It knows nothing of what is stored: attachments and their layouts live in `referrers.ts`.
 */

export interface RegistryClientOptions {
  /** host[:port] as in the image reference. */
  readonly registry: string;
  /** Speak HTTP to a registry that is not on a loopback address. @default false */
  readonly plainHttp?: boolean;
  /** Per-request inactivity timeout (connect, headers, each chunk of the body). @default 10000 */
  readonly timeoutMs?: number;
  /** Aborts every request of this client (a deadline). */
  readonly signal?: AbortSignal;
  /** Credentials; `undefined` reads Docker's config.json, `null` means anonymous. */
  readonly credentials?: Credentials | null;
  readonly limits?: Partial<Limits>;
  /** Called once per HTTP exchange: its status, or `timeout` / `error` when no answer came (metrics). */
  readonly onResponse?: (status: number | "timeout" | "error") => void;
}

export interface ManifestResult {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

interface RequestSpec {
  readonly method: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | (() => Readable);
  readonly bodyLength?: number;
  readonly maxBytes: number;
  /** What the request is for, in error messages. */
  readonly what: string;
  /** Pull or pull,push: the scope wanted when a challenge names none. */
  readonly push?: boolean;
  readonly repository?: string;
  /** Full URL (a token realm or an upload location) instead of `path`. */
  readonly url?: URL;
  readonly noAuth?: boolean;
}

/**
 * node:https, loaded for the first HTTPS URL: with TLS under it, 10-30 ms of a cold `verify image`
 * that a loopback or plain-HTTP registry never needs.
 */
function httpsModule(): typeof Https {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("node:https") as typeof Https;
}

function header(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Verifies content against its digest (sha256 or sha512). */
export function digestMatches(bytes: Buffer, digest: string): boolean {
  const [alg, hex] = digest.split(":");
  if ((alg !== "sha256" && alg !== "sha512") || !hex) return false;
  return createHash(alg).update(bytes).digest("hex") === hex;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export class RegistryClient {
  readonly registry: string;
  readonly limits: Limits;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;
  private readonly onResponse: ((status: number | "timeout" | "error") => void) | undefined;
  private credentials: Credentials | null | undefined;
  private credentialsLoaded: boolean;
  /** Authorization header per scope key ("" for Basic). */
  private readonly authorizations = new Map<string, string>();
  /** Counts of requests sent, by status (the bench reports round trips). */
  readonly requests = { count: 0 };

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const loopback = isLoopback(options.registry);
    const secure = !(loopback || options.plainHttp);
    this.base = new URL(`${secure ? "https" : "http"}://${registryEndpoint(options.registry)}`);
    // keep-alive: a verification makes several requests to one registry in a row
    this.agent = secure ? new (httpsModule().Agent)({ keepAlive: true, maxSockets: 8 }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.signal = options.signal;
    this.onResponse = options.onResponse;
    this.credentials = options.credentials;
    this.credentialsLoaded = options.credentials !== undefined;
  }

  /** Tells `onResponse` about one exchange; a failing hook never fails the request. */
  private report(status: number | "timeout" | "error"): void {
    try {
      this.onResponse?.(status);
    } catch {
      // metrics are best effort
    }
  }

  /** Closes idle connections; a client is not used after this. */
  close(): void {
    this.agent.destroy();
  }

  private async creds(): Promise<Credentials | null> {
    if (!this.credentialsLoaded) {
      this.credentials = (await loadDockerCredentials(this.registry)) ?? null;
      this.credentialsLoaded = true;
    }
    return this.credentials ?? null;
  }

  /** One HTTP exchange, body read up to `maxBytes`. Never retries. */
  private exchange(spec: RequestSpec, url: URL, authorization: string | undefined, signal?: AbortSignal): Promise<Answer> {
    const aborted = [this.signal, signal].find((s) => s?.aborted);
    if (aborted) return Promise.reject(new RegistryError("REGISTRY_ABORTED", this.registry, `${spec.what}: aborted before the request (deadline passed)`, { cause: aborted.reason }));
    this.requests.count++;
    return new Promise<Answer>((resolve, reject) => {
      const lib = url.protocol === "https:" ? httpsModule() : http;
      const headers: Record<string, string | number> = { "User-Agent": "secure-mlops", ...spec.headers };
      if (authorization) headers["Authorization"] = authorization;
      if (spec.body !== undefined) headers["Content-Length"] = Buffer.isBuffer(spec.body) ? spec.body.length : (spec.bodyLength ?? 0);
      let settled = false;
      const fail = (err: RegistryError): void => {
        if (settled) return;
        settled = true;
        cleanup();
        req.destroy();
        this.report(err.status ?? (err.code === "REGISTRY_TIMEOUT" ? "timeout" : "error"));
        reject(err);
      };
      const onAbort = (): void => fail(new RegistryError("REGISTRY_ABORTED", this.registry, `${spec.what}: aborted (deadline passed)`));
      const signals = [this.signal, signal].filter((s): s is AbortSignal => s !== undefined);
      const cleanup = (): void => {
        for (const s of signals) s.removeEventListener("abort", onAbort);
      };
      for (const s of signals) s.addEventListener("abort", onAbort, { once: true });
      const sameOrigin = url.origin === this.base.origin;
      const req = lib.request(url, { method: spec.method, headers, ...(sameOrigin ? { agent: this.agent } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        const declared = Number(header(res.headers, "content-length"));
        if (spec.method !== "HEAD" && Number.isFinite(declared) && declared > spec.maxBytes) {
          // settle first: destroying emits "aborted", which must not win
          fail(new RegistryError("REGISTRY_TOO_LARGE", this.registry, `${spec.what}: answer of ${declared} bytes, more than ${spec.maxBytes}`, { status }));
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > spec.maxBytes) {
            fail(new RegistryError("REGISTRY_TOO_LARGE", this.registry, `${spec.what}: answer longer than ${spec.maxBytes} bytes`, { status }));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          cleanup();
          this.report(status);
          resolve({ status, headers: res.headers, body: Buffer.concat(chunks, size) });
        });
        res.on("error", (err) => fail(new RegistryError("REGISTRY_UNREACHABLE", this.registry, `${spec.what}: connection failed while reading (${err.message})`, { cause: err })));
        res.on("aborted", () => fail(new RegistryError("REGISTRY_UNREACHABLE", this.registry, `${spec.what}: connection closed while reading`)));
      });
      req.setTimeout(this.timeoutMs, () => fail(new RegistryError("REGISTRY_TIMEOUT", this.registry, `${spec.what}: no answer within ${this.timeoutMs} ms`)));
      req.on("error", (err: NodeJS.ErrnoException) => fail(new RegistryError("REGISTRY_UNREACHABLE", this.registry, `${spec.what}: ${err.code ?? err.message} (${url.origin})`, { cause: err })));
      if (spec.body === undefined) req.end();
      else if (Buffer.isBuffer(spec.body)) req.end(spec.body);
      else {
        const stream = spec.body();
        stream.on("error", (err) => fail(new RegistryError("REGISTRY_UNREACHABLE", this.registry, `${spec.what}: reading the upload failed (${err.message})`, { cause: err })));
        stream.pipe(req);
      }
    });
  }

  private scopeOf(spec: RequestSpec): string | undefined {
    return spec.repository ? `repository:${spec.repository}:${spec.push ? "pull,push" : "pull"}` : undefined;
  }

  /** Answers a challenge: a Basic header, or a Bearer token from the realm. */
  private async authorize(challengeHeader: string | undefined, spec: RequestSpec, signal?: AbortSignal): Promise<string> {
    const challenge = parseChallenge(challengeHeader);
    const creds = await this.creds();
    if (!challenge) throw new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${spec.what}: 401 without a WWW-Authenticate challenge`, { status: 401 });
    if (challenge.scheme === "basic") {
      if (!creds || !("username" in creds)) throw new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${spec.what}: the registry asks for a user name and password; none in Docker's config.json`, { status: 401 });
      return basicHeader(creds);
    }
    if (challenge.scheme !== "bearer") throw new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${spec.what}: unsupported authentication scheme ${challenge.scheme}`, { status: 401 });
    const realm = challenge.params["realm"];
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm ?? "");
    } catch {
      throw new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${spec.what}: bearer challenge without a valid realm URL`, { status: 401 });
    }
    if (realmUrl.protocol !== "https:" && !(realmUrl.protocol === "http:" && (isLoopback(realmUrl.host) || this.base.protocol === "http:"))) {
      throw new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${spec.what}: token realm ${realmUrl.origin} is not HTTPS; credentials are not sent there`, { status: 401 });
    }
    const scopes = new Set<string>();
    if (challenge.params["scope"]) for (const s of challenge.params["scope"].split(" ")) if (s) scopes.add(s);
    const wanted = this.scopeOf(spec);
    if (wanted) scopes.add(wanted);
    const service = challenge.params["service"];
    let answer: Answer;
    const tokenSpec = { what: `token from ${realmUrl.origin}`, maxBytes: 1024 * 1024, noAuth: true } as const;
    if (creds && "identityToken" in creds) {
      // OAuth2 refresh-token exchange (distribution's oauth.md; ACR's /oauth2/token)
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.identityToken, client_id: "secure-mlops", ...(service ? { service } : {}) });
      form.set("scope", [...scopes].join(" "));
      const body = Buffer.from(form.toString(), "utf8");
      answer = await this.exchange({ ...tokenSpec, method: "POST", path: "", url: realmUrl, body, headers: { "Content-Type": "application/x-www-form-urlencoded" } }, realmUrl, undefined, signal);
    } else {
      const u = new URL(realmUrl);
      if (service) u.searchParams.set("service", service);
      for (const s of scopes) u.searchParams.append("scope", s);
      answer = await this.exchange({ ...tokenSpec, method: "GET", path: "", url: u }, u, creds && "username" in creds ? basicHeader(creds) : undefined, signal);
    }
    if (answer.status !== 200) throw new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${spec.what}: token endpoint ${realmUrl.origin} answered ${answer.status}`, { status: answer.status });
    return `Bearer ${tokenFromResponse(answer.body, this.registry)}`;
  }

  /** A request with authentication: on 401, answer the challenge once and retry. */
  private async send(spec: RequestSpec, signal?: AbortSignal): Promise<Answer> {
    const url = spec.url ?? new URL(spec.path, this.base);
    const key = this.scopeOf(spec) ?? "";
    const auth = spec.noAuth ? undefined : (this.authorizations.get(key) ?? this.authorizations.get(""));
    const first = await this.exchange(spec, url, auth, signal);
    if (first.status !== 401 || spec.noAuth) return first;
    const authorization = await this.authorize(header(first.headers, "www-authenticate"), spec, signal);
    this.authorizations.set(authorization.startsWith("Basic") ? "" : key, authorization);
    const second = await this.exchange(spec, url, authorization, signal);
    if (second.status === 401 || second.status === 403) throw new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${spec.what}: ${second.status} after authenticating`, { status: second.status });
    return second;
  }

  private statusError(answer: Answer, what: string): RegistryError {
    const text = answer.body.toString("utf8", 0, Math.min(answer.body.length, 300)).replace(/\s+/g, " ").trim();
    let code = "";
    try {
      const errors = (JSON.parse(answer.body.toString("utf8")) as { errors?: { code?: string }[] }).errors;
      code = errors?.[0]?.code ?? "";
    } catch {
      // not a distribution error body
    }
    const detail = code || text || "(no body)";
    if (answer.status === 401 || answer.status === 403) return new RegistryError("REGISTRY_UNAUTHORIZED", this.registry, `${what}: ${answer.status} ${detail}`, { status: answer.status });
    if (answer.status === 404) return new RegistryError("REGISTRY_NOT_FOUND", this.registry, `${what}: 404 ${detail}`, { status: 404 });
    return new RegistryError("REGISTRY_HTTP_STATUS", this.registry, `${what}: unexpected status ${answer.status} ${detail}`, { status: answer.status });
  }

  /** Probes `/v2/`: whether the registry answers at all (401 counts as answering). */
  async ping(signal?: AbortSignal): Promise<void> {
    const a = await this.exchange({ method: "GET", path: "/v2/", maxBytes: 64 * 1024, what: "GET /v2/" }, new URL("/v2/", this.base), undefined, signal);
    if (a.status !== 200 && a.status !== 401) throw this.statusError(a, "GET /v2/");
  }

  /**
   * Fetches a manifest or index by tag or digest, checks its digest (against the reference when
   * it is one, else against Docker-Content-Digest when given) and its size.
   */
  async getManifest(repository: string, reference: string, options: { signal?: AbortSignal; accept?: string } = {}): Promise<ManifestResult> {
    const what = `GET manifest ${repository}:${reference}`;
    const a = await this.send({ method: "GET", path: `/v2/${repository}/manifests/${reference}`, headers: { Accept: options.accept ?? MANIFEST_ACCEPT }, maxBytes: this.limits.maxManifestBytes, what, repository }, options.signal);
    if (a.status !== 200) throw this.statusError(a, what);
    const mediaType = (header(a.headers, "content-type") ?? "").split(";")[0]!.trim();
    const byDigest = DIGEST_PATTERN.test(reference);
    const declared = header(a.headers, "docker-content-digest");
    const digest = byDigest ? reference : declared && DIGEST_PATTERN.test(declared) ? declared : sha256Digest(a.body);
    if (!digestMatches(a.body, digest)) throw new RegistryError("REGISTRY_DIGEST_MISMATCH", this.registry, `${what}: content does not match digest ${digest}`);
    return { bytes: a.body, mediaType, digest };
  }

  /** Resolves a tag (or checks a digest) to the manifest digest, with HEAD and the full Accept list. */
  async resolve(repository: string, reference: string, signal?: AbortSignal): Promise<{ digest: string; mediaType: string; size: number }> {
    const what = `HEAD manifest ${repository}:${reference}`;
    const a = await this.send({ method: "HEAD", path: `/v2/${repository}/manifests/${reference}`, headers: { Accept: MANIFEST_ACCEPT }, maxBytes: 0, what, repository }, signal);
    if (a.status === 200) {
      const digest = header(a.headers, "docker-content-digest");
      const size = Number(header(a.headers, "content-length"));
      const mediaType = (header(a.headers, "content-type") ?? "").split(";")[0]!.trim();
      if (digest && DIGEST_PATTERN.test(digest) && Number.isSafeInteger(size) && (!DIGEST_PATTERN.test(reference) || digest === reference)) return { digest, mediaType, size };
    } else if (a.status !== 405) {
      throw this.statusError(a, what);
    }
    // no usable digest header: fetch and hash
    const m = await this.getManifest(repository, reference, { ...(signal ? { signal } : {}) });
    return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
  }

  /** Fetches a blob into memory (bounded) and checks it against its digest. */
  async getBlob(repository: string, digest: string, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Buffer> {
    const what = `GET blob ${repository}@${digest}`;
    if (!DIGEST_PATTERN.test(digest)) throw new RegistryError("REGISTRY_BAD_RESPONSE", this.registry, `${what}: not a digest`);
    const max = options.maxBytes ?? this.limits.maxBlobBytes;
    let a = await this.send({ method: "GET", path: `/v2/${repository}/blobs/${digest}`, maxBytes: max, what, repository }, options.signal);
    // blobs are often served by a redirect to storage; the redirect is followed without our credentials
    for (let hops = 0; (a.status === 307 || a.status === 302 || a.status === 301 || a.status === 308) && hops < 3; hops++) {
      const location = header(a.headers, "location");
      if (!location) break;
      const u = new URL(location, this.base);
      a = await this.exchange({ method: "GET", path: "", url: u, maxBytes: max, what, noAuth: true }, u, undefined, options.signal);
    }
    if (a.status !== 200) throw this.statusError(a, what);
    if (!digestMatches(a.body, digest)) throw new RegistryError("REGISTRY_DIGEST_MISMATCH", this.registry, `${what}: content does not match its digest`);
    return a.body;
  }

  /**
   * Streams a blob to `sink` (bounded memory), hashing as it goes; rejects with
   * REGISTRY_DIGEST_MISMATCH when the content is not the digest's.
   */
  async streamBlob(repository: string, digest: string, size: number, onChunk: (chunk: Buffer) => void | Promise<void>, signal?: AbortSignal): Promise<void> {
    const what = `GET blob ${repository}@${digest}`;
    const [alg, hex] = digest.split(":") as [string, string];
    // one authenticated probe first, so the streaming request carries a valid token
    if (!this.authorizations.size) await this.send({ method: "HEAD", path: `/v2/${repository}/blobs/${digest}`, maxBytes: 0, what, repository }, signal);
    const auth = this.authorizations.get(this.scopeOf({ method: "GET", path: "", maxBytes: 0, what, repository }) ?? "") ?? this.authorizations.get("");
    const signals = [this.signal, signal].filter((x): x is AbortSignal => x !== undefined);
    const combined = signals.length > 0 ? AbortSignal.any(signals) : undefined;
    let url = new URL(`/v2/${repository}/blobs/${digest}`, this.base);
    // registries (ACR, ECR, GAR) answer with a redirect to their storage: followed without our credentials
    for (let hop = 0; ; hop++) {
      const location = await this.streamOnce(url, hop === 0 ? auth : undefined, what, alg, hex, size, onChunk, combined);
      if (location === undefined) return;
      if (hop >= 3) throw new RegistryError("REGISTRY_BAD_RESPONSE", this.registry, `${what}: more than 3 redirects`);
      url = new URL(location, url);
      if (url.protocol !== "https:" && !(url.protocol === "http:" && this.base.protocol === "http:")) throw new RegistryError("REGISTRY_BAD_RESPONSE", this.registry, `${what}: redirect to ${url.origin} is not HTTPS`);
    }
  }

  /** One streaming GET; resolves to a redirect's Location, or undefined when the blob was read and checked. */
  private streamOnce(url: URL, auth: string | undefined, what: string, alg: string, hex: string, size: number, onChunk: (chunk: Buffer) => void | Promise<void>, signal: AbortSignal | undefined): Promise<string | undefined> {
    return new Promise<string | undefined>((resolve, reject) => {
      const lib = url.protocol === "https:" ? httpsModule() : http;
      const hash = createHash(alg);
      let seen = 0;
      let failed = false;
      let answered = false;
      const fail = (err: RegistryError): void => {
        if (failed) return;
        failed = true;
        req.destroy();
        if (!answered) this.report(err.code === "REGISTRY_TIMEOUT" ? "timeout" : "error");
        reject(err);
      };
      const sameOrigin = url.origin === this.base.origin;
      const req = lib.request(url, { method: "GET", ...(sameOrigin ? { agent: this.agent } : {}), headers: { "User-Agent": "secure-mlops", ...(auth ? { Authorization: auth } : {}) }, ...(signal ? { signal } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        answered = true;
        this.report(status);
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
          res.resume();
          failed = true;
          resolve(res.headers.location);
          return;
        }
        if (status !== 200) {
          res.resume();
          fail(new RegistryError(status === 404 ? "REGISTRY_NOT_FOUND" : status === 401 || status === 403 ? "REGISTRY_UNAUTHORIZED" : "REGISTRY_HTTP_STATUS", this.registry, `${what}: status ${status}`, { status }));
          return;
        }
        res.on("data", (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > size) {
            fail(new RegistryError("REGISTRY_TOO_LARGE", this.registry, `${what}: more than the ${size} bytes its descriptor declares`));
            return;
          }
          hash.update(chunk);
          const r = onChunk(chunk);
          if (r) {
            res.pause();
            r.then(
              () => res.resume(),
              (err: unknown) => fail(new RegistryError("REGISTRY_UNREACHABLE", this.registry, `${what}: writing failed (${String(err)})`, { cause: err })),
            );
          }
        });
        res.on("end", () => {
          if (failed) return;
          if (seen !== size || hash.digest("hex") !== hex) {
            fail(new RegistryError("REGISTRY_DIGEST_MISMATCH", this.registry, `${what}: content does not match its descriptor (${seen} bytes read)`));
            return;
          }
          failed = true;
          resolve(undefined);
        });
        res.on("error", (err) => fail(new RegistryError("REGISTRY_UNREACHABLE", this.registry, `${what}: ${err.message}`, { cause: err })));
      });
      req.setTimeout(this.timeoutMs, () => fail(new RegistryError("REGISTRY_TIMEOUT", this.registry, `${what}: no data for ${this.timeoutMs} ms`)));
      req.on("error", (err: NodeJS.ErrnoException) => fail(new RegistryError(err.name === "AbortError" ? "REGISTRY_ABORTED" : "REGISTRY_UNREACHABLE", this.registry, `${what}: ${err.code ?? err.message}`, { cause: err })));
      req.end();
    });
  }

  async blobExists(repository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
    const what = `HEAD blob ${repository}@${digest}`;
    const a = await this.send({ method: "HEAD", path: `/v2/${repository}/blobs/${digest}`, maxBytes: 0, what, repository, push: true }, signal);
    if (a.status === 200) return true;
    if (a.status === 404) return false;
    throw this.statusError(a, what);
  }

  /**
   * Uploads a blob unless it is there: POST an upload session, then one PUT with the content
   * (monolithic). `data` is a buffer, or a stream factory with its size and digest.
   */
  async pushBlob(repository: string, data: Buffer | { open: () => Readable; size: number; digest: string }, signal?: AbortSignal): Promise<{ digest: string; size: number; existed: boolean }> {
    const digest = Buffer.isBuffer(data) ? sha256Digest(data) : data.digest;
    const size = Buffer.isBuffer(data) ? data.length : data.size;
    if (await this.blobExists(repository, digest, signal)) return { digest, size, existed: true };
    const what = `upload blob ${repository}@${digest}`;
    const start = await this.send({ method: "POST", path: `/v2/${repository}/blobs/uploads/`, body: Buffer.alloc(0), maxBytes: 64 * 1024, what, repository, push: true }, signal);
    if (start.status !== 202) throw this.statusError(start, what);
    const location = header(start.headers, "location");
    if (!location) throw new RegistryError("REGISTRY_BAD_RESPONSE", this.registry, `${what}: 202 without a Location`);
    const url = new URL(location, this.base);
    url.searchParams.set("digest", digest);
    const spec: RequestSpec = {
      method: "PUT",
      path: "",
      url,
      headers: { "Content-Type": "application/octet-stream" },
      body: Buffer.isBuffer(data) ? data : data.open,
      bodyLength: size,
      maxBytes: 64 * 1024,
      what,
      repository,
      push: true,
    };
    const key = this.scopeOf(spec) ?? "";
    const done = await this.exchange(spec, url, this.authorizations.get(key) ?? this.authorizations.get(""), signal);
    if (done.status !== 201) throw this.statusError(done, what);
    return { digest, size, existed: false };
  }

  /** Pushes a manifest or index under a tag or its digest; returns its digest and the OCI-Subject header. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, options: { signal?: AbortSignal; ifMatch?: string } = {}): Promise<{ digest: string; ociSubject?: string }> {
    const what = `PUT manifest ${repository}:${reference}`;
    const a = await this.send(
      { method: "PUT", path: `/v2/${repository}/manifests/${reference}`, headers: { "Content-Type": mediaType, ...(options.ifMatch ? { "If-Match": options.ifMatch } : {}) }, body: bytes, maxBytes: 64 * 1024, what, repository, push: true },
      options.signal,
    );
    if (a.status !== 201 && a.status !== 200) throw this.statusError(a, what);
    const subject = header(a.headers, "oci-subject");
    return { digest: sha256Digest(bytes), ...(subject ? { ociSubject: subject } : {}) };
  }

  /**
   * GET /v2/<name>/referrers/<digest>. Returns the raw answer for `referrers.ts` to judge:
   * the spec's fallback depends on the exact status.
   */
  async referrersApi(repository: string, digest: string, signal?: AbortSignal): Promise<{ status: number; contentType: string; body: Buffer }> {
    const what = `GET referrers ${repository}@${digest}`;
    const a = await this.send({ method: "GET", path: `/v2/${repository}/referrers/${digest}`, headers: { Accept: "application/vnd.oci.image.index.v1+json" }, maxBytes: this.limits.maxManifestBytes, what, repository }, signal);
    return { status: a.status, contentType: (header(a.headers, "content-type") ?? "").split(";")[0]!.trim(), body: a.body };
  }

  /** Raises the status error of an answer (for `referrers.ts`). */
  errorFor(answer: { status: number; body: Buffer }, what: string): RegistryError {
    return this.statusError({ status: answer.status, headers: {}, body: answer.body }, what);
  }
}

export { isRegistryError };
