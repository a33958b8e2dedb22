import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Debian's `docker-registry` (CNCF distribution 2.8, no referrers API) for a test suite: its own
 * storage folder and free port on 127.0.0.1, stopped by `stop()`. A watchdog shell kills the
 * registry and removes its folder when the test process dies (even by SIGKILL), so no registry
 * outlives its suite.
 * It installs nothing: `.ci/run` installs the package.
 */

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly port: number;
  readonly storage: string;
  readonly pid: number;
  /** Stops the registry; `keepStorage` leaves its folder for `startRegistry({ port, storage })` (a restart). */
  stop(options?: { keepStorage?: boolean }): Promise<void>;
}

export function registryAvailable(): boolean {
  return spawnSync(REGISTRY_BINARY, ["--version"], { stdio: "ignore" }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/v2/", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => {
      req.destroy();
      resolve(0);
    });
  });
}

/**
 * Starts a registry and waits until `/v2/` answers 200. With `port` and `storage` (of a registry
 * stopped with `keepStorage`), the same registry starts again: same address, same content.
 */
export async function startRegistry(options: { port?: number; storage?: string } = {}): Promise<TestRegistry> {
  if (!registryAvailable()) throw new Error(`${REGISTRY_BINARY} is missing: apt-get install docker-registry (.ci/run does)`);
  const storage = options.storage ?? (await fsp.mkdtemp(path.join(os.tmpdir(), "secure-mlops-registry-")));
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const config = path.join(storage, "config.yml");
    await fsp.writeFile(
      config,
      [
        "version: 0.1",
        "log: { level: error, accesslog: { disabled: true } }",
        "storage:",
        `  filesystem: { rootdirectory: ${JSON.stringify(path.join(storage, "data"))} }`,
        "  delete: { enabled: true }",
        "  maintenance: { uploadpurging: { enabled: false } }",
        "http:",
        `  addr: 127.0.0.1:${port}`,
        "",
      ].join("\n"),
    );
    // the watchdog: exits (killing the registry) as soon as the test process is gone
    const script = `"${REGISTRY_BINARY}" serve "$1" & child=$!; trap 'kill $child 2>/dev/null; exit 0' TERM INT; while kill -0 "$2" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done; kill $child 2>/dev/null; wait $child 2>/dev/null; if ! kill -0 "$2" 2>/dev/null; then rm -rf "$(dirname "$1")"; fi`;
    const child: ChildProcess = spawn("sh", ["-c", script, "sh", config, String(process.pid)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    let exited = false;
    child.on("exit", () => {
      exited = true;
    });
    for (let i = 0; i < 100 && !exited; i++) {
      if ((await probe(port)) === 200) {
        const stop = async (how: { keepStorage?: boolean } = {}): Promise<void> => {
          if (!exited) {
            const gone = new Promise<void>((r) => child.once("exit", () => r()));
            child.kill("SIGTERM");
            await gone;
          }
          if (!how.keepStorage) await fsp.rm(storage, { recursive: true, force: true });
        };
        return { host: `127.0.0.1:${port}`, port, storage, pid: child.pid!, stop };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGTERM");
    lastError = stderr;
  }
  await fsp.rm(storage, { recursive: true, force: true });
  throw new Error(`docker-registry did not start: ${lastError}`);
}

// ---------------------------------------------------------------------------------------------
// Real images, assembled through the registry API: a gzip layer tarball, a config, a manifest.

function tarEntry(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(content.length.toString(8).padStart(11, "0") + "\0", 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad]);
}

/** A gzip'd tar layer holding `files` (what `FROM scratch` + `COPY` produces). */
export function layerTarball(files: Readonly<Record<string, string>>): { gz: Buffer; diffId: string } {
  const tar = Buffer.concat([...Object.entries(files).map(([n, c]) => tarEntry(n, Buffer.from(c, "utf8"))), Buffer.alloc(1024)]);
  return { gz: gzipSync(tar, { level: 9 }), diffId: `sha256:${createHash("sha256").update(tar).digest("hex")}` };
}

export interface PushedImage {
  readonly ref: string;
  readonly digest: string;
  readonly manifest: Buffer;
}

function sha256(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

async function call(host: string, method: string, p: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const [hostname, port] = host.split(":");
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port: Number(port), method, path: p, headers: { ...headers, ...(body ? { "Content-Length": body.length } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Uploads a blob through the plain API (monolithic POST + PUT). */
export async function putBlob(host: string, repo: string, blob: Buffer): Promise<string> {
  const digest = sha256(blob);
  const start = await call(host, "POST", `/v2/${repo}/blobs/uploads/`, Buffer.alloc(0));
  if (start.status !== 202) throw new Error(`upload start ${start.status}`);
  const loc = new URL(String(start.headers.location), `http://${host}`);
  loc.searchParams.set("digest", digest);
  const put = await call(host, "PUT", `${loc.pathname}${loc.search}`, blob, { "Content-Type": "application/octet-stream" });
  if (put.status !== 201) throw new Error(`upload ${put.status} ${put.body.toString()}`);
  return digest;
}

export async function putManifestRaw(host: string, repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<number> {
  return (await call(host, "PUT", `/v2/${repo}/manifests/${reference}`, bytes, { "Content-Type": mediaType })).status;
}

/** Pushes a one-layer OCI image (linux/amd64, FROM-scratch-like) and tags it. */
export async function pushTestImage(host: string, repo: string, tag: string, files: Readonly<Record<string, string>> = { "app/hello.txt": `hello ${repo}:${tag}\n` }): Promise<PushedImage> {
  const layer = layerTarball(files);
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", config: { Entrypoint: ["/app/hello"] }, rootfs: { type: "layers", diff_ids: [layer.diffId] }, history: [{ created_by: "COPY app /app" }] }),
    "utf8",
  );
  const configDigest = await putBlob(host, repo, config);
  const layerDigest = await putBlob(host, repo, layer.gz);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.gz.length }],
    }),
    "utf8",
  );
  const status = await putManifestRaw(host, repo, tag, manifest, "application/vnd.oci.image.manifest.v1+json");
  if (status !== 201) throw new Error(`manifest push ${status}`);
  return { ref: `${host}/${repo}:${tag}`, digest: sha256(manifest), manifest };
}
