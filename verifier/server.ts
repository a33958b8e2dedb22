import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { AdmissionPolicyError, ServerError, messageOf } from "./errors";
import { VerifierMetrics } from "./metrics";
import { loadActivePolicy, type ActivePolicy } from "./policy";
import { MAX_REVIEW_BYTES } from "./review";
import { AdmissionService } from "./service";
import type { Verifiers } from "./verification";
import { FileWatcher } from "./watch";

/**
 * The webhook's HTTP side: fastify over TLS 1.2+ (`POST /validate`, `GET /healthz`, `GET /readyz`)
 * and a plain HTTP metrics listener on its own port (`GET /metrics`). The certificate, the key
 * and the policy are watched and reloaded in place; a reload that fails keeps what is in force.
 */

export interface VerifierServerOptions {
  readonly policyFile: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** @default 8443 */
  readonly port?: number;
  /** @default 9090 */
  readonly metricsPort?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Builds the verifiers once the metrics exist, so an adapter can report its registry requests. */
  readonly verifiers: (context: { readonly metrics: VerifierMetrics; readonly logger: Logger }) => Verifiers;
  /** @default pino JSON lines on stdout */
  readonly logger?: Logger;
  /** @default true */
  readonly defaultMetrics?: boolean;
  /** @default true: reload the policy and TLS files when they change */
  readonly watch?: boolean;
}

export interface VerifierServer {
  readonly url: string;
  readonly metricsUrl: string;
  readonly service: AdmissionService;
  readonly metrics: VerifierMetrics;
  /** Re-reads the policy now; resolves to whether a new policy is in force. */
  reloadPolicy(): Promise<boolean>;
  /** Re-reads the certificate and key now; resolves to whether new ones are in use. */
  reloadTls(): Promise<boolean>;
  /** Stops accepting, finishes the reviews in flight, then closes both listeners. */
  close(): Promise<void>;
}

interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly hash: string;
}

const TLS_OPTIONS = { minVersion: "TLSv1.2" } as const;

async function readTls(certFile: string, keyFile: string): Promise<TlsMaterial> {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = await fsp.readFile(certFile);
  } catch (err) {
    throw new ServerError("TLS_UNREADABLE", `${certFile}: cannot read the TLS certificate (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`, { cause: err });
  }
  try {
    key = await fsp.readFile(keyFile);
  } catch (err) {
    throw new ServerError("TLS_UNREADABLE", `${keyFile}: cannot read the TLS key (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`, { cause: err });
  }
  try {
    // builds the context once to refuse a certificate without its key (half-written during a rotation)
    createSecureContext({ cert, key, ...TLS_OPTIONS });
  } catch (err) {
    throw new ServerError("TLS_INVALID", `${certFile}, ${keyFile}: not a matching PEM certificate and private key (${messageOf(err)})`, { cause: err });
  }
  return { cert, key, hash: createHash("sha256").update(cert).update("\0").update(key).digest("hex") };
}

async function listen(app: FastifyInstance, port: number, host: string, what: string): Promise<number> {
  try {
    await app.listen({ port, host });
  } catch (err) {
    throw new ServerError("LISTEN_FAILED", `cannot listen on ${host}:${port} for ${what} (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`, { cause: err });
  }
  return (app.server.address() as AddressInfo).port;
}

/** Maps fastify's own request errors (size, content type, framing) to the 400 the contract promises. */
function requestErrorHandler(metrics: VerifierMetrics) {
  return (err: FastifyError, _req: unknown, reply: { code(n: number): { send(b: unknown): unknown } }): unknown => {
    const tooLarge = err.code === "FST_ERR_CTP_BODY_TOO_LARGE";
    const code = tooLarge ? "REVIEW_TOO_LARGE" : err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || err.code === "FST_ERR_CTP_INVALID_CONTENT_LENGTH" ? "REVIEW_CONTENT_TYPE" : "REVIEW_SHAPE";
    const message = tooLarge ? `the body is larger than ${MAX_REVIEW_BYTES} bytes` : code === "REVIEW_CONTENT_TYPE" ? "the body must be application/json" : `the request could not be read (${err.message})`;
    metrics.reviews.inc({ decision: "error", code });
    return reply.code(400).send({ error: code, message });
  };
}

/**
 * The reviews app (routes, body parser, error mapping) without a listener: the server wraps it
 * in TLS; the fuzz tests and the bench drive it with `inject`.
 */
export function buildReviewApp(options: { service: AdmissionService; metrics: VerifierMetrics; https?: { cert: Buffer; key: Buffer }; ready?: () => boolean }): FastifyInstance {
  const { service, metrics } = options;
  const ready = options.ready ?? (() => service.ready());
  const app = Fastify({
    ...(options.https ? { https: { ...options.https, ...TLS_OPTIONS } } : {}),
    logger: false,
    bodyLimit: MAX_REVIEW_BYTES,
    // a slow client must not hold a socket past any API server timeout
    requestTimeout: 35_000,
    return503OnClosing: true,
    forceCloseConnections: "idle",
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  // the raw bytes go to the same parser the fuzz tests drive (size bound, JSON, shape)
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.setErrorHandler(requestErrorHandler(metrics));
  app.post<{ Querystring: { timeout?: string } }>("/validate", async (req, reply) => {
    const timeout = typeof req.query.timeout === "string" ? req.query.timeout : undefined;
    const answer = await service.review(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), timeout);
    return reply.code(answer.status).type("application/json").send(answer.body);
  });
  app.get("/healthz", async (_req, reply) => reply.code(200).send({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const ok = ready();
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not ready", policy: service.policy.hash.slice(0, 12) });
  });
  return app;
}

/** Starts the verifier. Throws `AdmissionPolicyError` or `ServerError` when it cannot start. */
export async function startVerifierServer(options: VerifierServerOptions): Promise<VerifierServer> {
  const host = options.host ?? "127.0.0.1";
  const logger = options.logger ?? pino({ base: undefined });
  const metrics = new VerifierMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const policy: ActivePolicy = await loadActivePolicy(options.policyFile);
  let tls = await readTls(options.tlsCert, options.tlsKey);
  const verifiers = options.verifiers({ metrics, logger });
  const service = new AdmissionService({ policy, verifiers, metrics, logger });
  let closing = false;

  const app = buildReviewApp({ service, metrics, https: { cert: tls.cert, key: tls.key }, ready: () => !closing && service.ready() });

  const metricsApp = Fastify({ logger: false });
  metricsApp.get("/metrics", async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  const port = await listen(app, options.port ?? 8443, host, "reviews");
  let metricsPort: number;
  try {
    metricsPort = await listen(metricsApp, options.metricsPort ?? 9090, host, "metrics");
  } catch (err) {
    await app.close();
    throw err;
  }

  // reloads run one at a time, so two quick edits cannot finish out of order
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => undefined);
    return next;
  };

  const reloadPolicy = (): Promise<boolean> =>
    serial(async () => {
      try {
        const next = await loadActivePolicy(options.policyFile);
        metrics.policyReloadFailing.set(0);
        if (next.hash === service.policy.hash) return false;
        service.setPolicy(next);
        policyWatcher?.watch(next.files);
        metrics.policyReloads.inc({ result: "ok" });
        logger.info({ event: "policy-reloaded", file: options.policyFile, policy: next.hash.slice(0, 12) }, "policy reloaded");
        return true;
      } catch (err) {
        metrics.policyReloads.inc({ result: "failed" });
        metrics.policyReloadFailing.set(1);
        const problems = err instanceof AdmissionPolicyError ? err.problems : [];
        logger.error({ event: "policy-reload-failed", file: options.policyFile, code: (err as { code?: string }).code, error: messageOf(err), problems, kept: service.policy.hash.slice(0, 12) }, "policy reload failed; the previous policy stays in force");
        return false;
      }
    });

  const reloadTls = (): Promise<boolean> =>
    serial(async () => {
      try {
        const next = await readTls(options.tlsCert, options.tlsKey);
        if (next.hash === tls.hash) return false;
        (app.server as import("node:https").Server).setSecureContext({ cert: next.cert, key: next.key, ...TLS_OPTIONS });
        tls = next;
        metrics.tlsReloads.inc({ result: "ok" });
        logger.info({ event: "tls-reloaded" }, "TLS certificate reloaded");
        return true;
      } catch (err) {
        metrics.tlsReloads.inc({ result: "failed" });
        logger.error({ event: "tls-reload-failed", code: (err as { code?: string }).code, error: messageOf(err) }, "TLS reload failed; the previous certificate stays in use");
        return false;
      }
    });

  const watching = options.watch ?? true;
  const policyWatcher = watching ? new FileWatcher(policy.files, () => void reloadPolicy()) : undefined;
  const tlsWatcher = watching ? new FileWatcher([options.tlsCert, options.tlsKey], () => void reloadTls()) : undefined;
  logger.info({ event: "listening", url: `https://${host}:${port}`, metrics: `http://${host}:${metricsPort}/metrics`, policy: policy.hash.slice(0, 12) }, "verifier listening");

  return {
    url: `https://${host}:${port}`,
    metricsUrl: `http://${host}:${metricsPort}/metrics`,
    service,
    metrics,
    reloadPolicy,
    reloadTls,
    async close(): Promise<void> {
      closing = true;
      policyWatcher?.close();
      tlsWatcher?.close();
      await app.close();
      await metricsApp.close();
      await chain;
      verifiers.close?.();
      logger.info({ event: "stopped" }, "verifier stopped");
    },
  };
}
