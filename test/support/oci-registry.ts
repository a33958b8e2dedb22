import { createHash } from "node:crypto";
import * as http from "node:http";

/**
 * An in-process registry with the OCI 1.1 referrers API, for the one path docker-registry 2.8
 * cannot test. It follows the distribution spec (v1.1) "Listing Referrers" and "Pushing Manifests
 * with Subject" sections:
 *
 * - `GET /v2/<name>/referrers/<digest>` answers 200 with an image index
 *   (`Content-Type: application/vnd.oci.image.index.v1+json`), an empty one when there are no
 *   referrers: it "MUST NOT return a 404" for a well-formed digest;
 * - each descriptor carries the referrer manifest's `artifactType`, or its config's mediaType
 *   when it has none (image manifests), and the manifest's `annotations`;
 * - `?artifactType=` filters, and the answer then carries `OCI-Filters-Applied: artifactType`;
 * - a manifest PUT with a `subject` answers `OCI-Subject: <subject digest>`, and the subject
 *   need not exist ("MUST initially accept");
 * - blobs: POST then PUT `?digest=` (monolithic), checked against the digest.
 *
 * `failReferrers` makes the referrers endpoint answer a given status (to test fail-closed).
 */

export interface InProcessRegistry {
  readonly host: string;
  readonly requests: string[];
  failReferrers: number | undefined;
  stop(): Promise<void>;
}

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DIGEST = /^sha256:[0-9a-f]{64}$/;

interface Stored {
  readonly bytes: Buffer;
  readonly mediaType: string;
}

function digestOf(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

function error(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message }] }));
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": body.length });
  res.end(body);
}

export async function startInProcessRegistry(): Promise<InProcessRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Stored>(); // key: name@digest
  const tags = new Map<string, string>(); // name:tag -> digest
  const subjects = new Map<string, string[]>(); // name@subject -> referrer digests
  const requests: string[] = [];
  const state: { failReferrers: number | undefined } = { failReferrers: undefined };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://x");
      requests.push(`${req.method} ${url.pathname}`);
      if (url.pathname === "/v2/") return void res.writeHead(200, { "Content-Length": 0 }).end();
      let m = /^\/v2\/(.+)\/blobs\/uploads\/([a-z0-9-]*)$/.exec(url.pathname);
      if (m) {
        if (req.method === "POST") return void res.writeHead(202, { Location: `/v2/${m[1]}/blobs/uploads/u${Math.random().toString(16).slice(2)}`, "Content-Length": 0 }).end();
        if (req.method === "PUT") {
          const digest = url.searchParams.get("digest") ?? "";
          if (!DIGEST.test(digest) || digestOf(body) !== digest) return error(res, 400, "DIGEST_INVALID", "digest does not match");
          blobs.set(digest, body);
          return void res.writeHead(201, { Location: `/v2/${m[1]}/blobs/${digest}`, "Docker-Content-Digest": digest, "Content-Length": 0 }).end();
        }
      }
      m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
      if (m) {
        const blob = blobs.get(m[2]!);
        if (!blob) return error(res, 404, "BLOB_UNKNOWN", "blob unknown");
        res.writeHead(200, { "Content-Length": blob.length, "Docker-Content-Digest": m[2]!, "Content-Type": "application/octet-stream" });
        return void res.end(req.method === "HEAD" ? undefined : blob);
      }
      m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
      if (m && req.method === "GET") {
        if (state.failReferrers !== undefined) return error(res, state.failReferrers, "UNKNOWN", "injected failure");
        const [, name, digest] = m as unknown as [string, string, string];
        if (!DIGEST.test(digest)) return error(res, 400, "DIGEST_INVALID", "bad digest");
        const wanted = url.searchParams.get("artifactType");
        const descriptors = (subjects.get(`${name}@${digest}`) ?? []).map((d) => {
          const stored = manifests.get(`${name}@${d}`)!;
          const doc = JSON.parse(stored.bytes.toString("utf8")) as { artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string>; manifests?: unknown };
          const artifactType = doc.artifactType || (doc.manifests === undefined ? doc.config?.mediaType : undefined);
          return { mediaType: stored.mediaType, digest: d, size: stored.bytes.length, ...(artifactType ? { artifactType } : {}), ...(doc.annotations ? { annotations: doc.annotations } : {}) };
        });
        const filtered = wanted ? descriptors.filter((d) => d.artifactType === wanted) : descriptors;
        const out = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: filtered }));
        res.writeHead(200, { "Content-Type": OCI_INDEX, "Content-Length": out.length, ...(wanted ? { "OCI-Filters-Applied": "artifactType" } : {}) });
        return void res.end(out);
      }
      m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
      if (m) {
        const [, name, reference] = m as unknown as [string, string, string];
        if (req.method === "PUT") {
          const digest = digestOf(body);
          if (DIGEST.test(reference) && reference !== digest) return error(res, 400, "DIGEST_INVALID", "digest does not match");
          const mediaType = String(req.headers["content-type"] ?? "");
          let doc: { subject?: { digest?: string } };
          try {
            doc = JSON.parse(body.toString("utf8")) as { subject?: { digest?: string } };
          } catch {
            return error(res, 400, "MANIFEST_INVALID", "not JSON");
          }
          manifests.set(`${name}@${digest}`, { bytes: body, mediaType });
          if (!DIGEST.test(reference)) tags.set(`${name}:${reference}`, digest);
          const headers: Record<string, string | number> = { Location: `/v2/${name}/manifests/${digest}`, "Docker-Content-Digest": digest, "Content-Length": 0 };
          const subject = doc.subject?.digest;
          if (typeof subject === "string") {
            const key = `${name}@${subject}`;
            const list = subjects.get(key) ?? [];
            if (!list.includes(digest)) list.push(digest);
            subjects.set(key, list);
            headers["OCI-Subject"] = subject;
          }
          return void res.writeHead(201, headers).end();
        }
        const digest = DIGEST.test(reference) ? reference : tags.get(`${name}:${reference}`);
        const stored = digest ? manifests.get(`${name}@${digest}`) : undefined;
        if (!stored || !digest) return error(res, 404, "MANIFEST_UNKNOWN", "manifest unknown");
        res.writeHead(200, { "Content-Type": stored.mediaType, "Content-Length": stored.bytes.length, "Docker-Content-Digest": digest });
        return void res.end(req.method === "HEAD" ? undefined : stored.bytes);
      }
      error(res, 404, "NAME_UNKNOWN", "no route");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    get failReferrers() {
      return state.failReferrers;
    },
    set failReferrers(v) {
      state.failReferrers = v;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
