import * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsFromConfig } from "../../registry/auth";
import { RegistryClient, sha256Digest } from "../../registry/client";
import { OCI_MANIFEST } from "../../registry/oci";

const MANIFEST = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256Digest(Buffer.from("{}")), size: 2 }, layers: [] }));

interface Seen {
  tokenRequests: { method: string; authorization?: string; query: string; body: string }[];
}

/** A registry that wants a token (Bearer) or a password (Basic), with its token endpoint. */
async function authRegistry(scheme: "bearer" | "basic"): Promise<{ host: string; seen: Seen; stop: () => Promise<void> }> {
  const seen: Seen = { tokenRequests: [] };
  let host = "";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/token") {
        const body = Buffer.concat(chunks).toString("utf8");
        seen.tokenRequests.push({ method: req.method ?? "", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), query: url.search, body });
        const form = new URLSearchParams(body);
        const ok = req.headers.authorization === `Basic ${Buffer.from("alice:s3cret").toString("base64")}` || (req.method === "POST" && form.get("grant_type") === "refresh_token" && form.get("refresh_token") === "refresh-123");
        if (!ok) return void res.writeHead(401).end();
        res.writeHead(200, { "Content-Type": "application/json" });
        return void res.end(JSON.stringify(req.method === "POST" ? { access_token: "good-token" } : { token: "good-token" }));
      }
      const wanted = scheme === "bearer" ? "Bearer good-token" : `Basic ${Buffer.from("alice:s3cret").toString("base64")}`;
      if (req.headers.authorization !== wanted) {
        const challenge = scheme === "bearer" ? `Bearer realm="http://${host}/token",service="test-registry",scope="repository:team/app:pull"` : 'Basic realm="test"';
        res.writeHead(401, { "WWW-Authenticate": challenge, "Content-Type": "application/json" });
        return void res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }));
      }
      res.writeHead(200, { "Content-Type": OCI_MANIFEST, "Docker-Content-Digest": sha256Digest(MANIFEST), "Content-Length": MANIFEST.length });
      res.end(MANIFEST);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    seen,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("authentication from the WWW-Authenticate challenge", () => {
  let bearer: Awaited<ReturnType<typeof authRegistry>>;
  let basic: Awaited<ReturnType<typeof authRegistry>>;
  beforeAll(async () => {
    bearer = await authRegistry("bearer");
    basic = await authRegistry("basic");
  });
  afterAll(async () => {
    await bearer?.stop();
    await basic?.stop();
  });

  it("Bearer: gets a token from the realm with Basic credentials and the challenge's service and scope, then reuses it", async () => {
    const client = new RegistryClient({ registry: bearer.host, credentials: { username: "alice", password: "s3cret" } });
    const m = await client.getManifest("team/app", "v1");
    expect(m.digest).toBe(sha256Digest(MANIFEST));
    await client.getManifest("team/app", "v2");
    client.close();
    expect(bearer.seen.tokenRequests).toEqual([{ method: "GET", authorization: `Basic ${Buffer.from("alice:s3cret").toString("base64")}`, query: "?service=test-registry&scope=repository%3Ateam%2Fapp%3Apull", body: "" }]);
  });

  it("Bearer with an identity token: the OAuth2 refresh-token exchange (ACR's /oauth2/token), a POST", async () => {
    bearer.seen.tokenRequests.length = 0;
    const client = new RegistryClient({ registry: bearer.host, credentials: { identityToken: "refresh-123" } });
    await client.getManifest("team/app", "v1");
    client.close();
    expect(bearer.seen.tokenRequests).toHaveLength(1);
    const form = new URLSearchParams(bearer.seen.tokenRequests[0]!.body);
    expect([bearer.seen.tokenRequests[0]!.method, form.get("grant_type"), form.get("service"), form.get("scope"), form.get("refresh_token")]).toEqual(["POST", "refresh_token", "test-registry", "repository:team/app:pull", "refresh-123"]);
  });

  it("wrong credentials are REGISTRY_UNAUTHORIZED naming the registry, never an empty answer", async () => {
    const client = new RegistryClient({ registry: bearer.host, credentials: { username: "alice", password: "wrong" } });
    await expect(client.getManifest("team/app", "v1")).rejects.toMatchObject({ code: "REGISTRY_UNAUTHORIZED", registry: bearer.host, message: `${bearer.host}: GET manifest team/app:v1: token endpoint http://${bearer.host} answered 401` });
    client.close();
  });

  it("Basic: sends the user and password from the credentials; none is REGISTRY_UNAUTHORIZED", async () => {
    const ok = new RegistryClient({ registry: basic.host, credentials: { username: "alice", password: "s3cret" } });
    expect((await ok.getManifest("team/app", "v1")).bytes.equals(MANIFEST)).toBe(true);
    ok.close();
    const anonymous = new RegistryClient({ registry: basic.host, credentials: null });
    await expect(anonymous.getManifest("team/app", "v1")).rejects.toMatchObject({ code: "REGISTRY_UNAUTHORIZED", status: 401 });
    anonymous.close();
  });

  it("plain HTTP is refused for a registry that is not on a loopback address", () => {
    const client = new RegistryClient({ registry: "registry.example.com", credentials: null });
    expect((client as unknown as { base: URL }).base.protocol).toBe("https:");
    client.close();
    const plain = new RegistryClient({ registry: "registry.example.com", credentials: null, plainHttp: true });
    expect((plain as unknown as { base: URL }).base.protocol).toBe("http:");
    plain.close();
  });
});

describe("Docker config.json", () => {
  const auth = (u: string, p: string): string => Buffer.from(`${u}:${p}`).toString("base64");
  it("reads auth, username/password and identitytoken entries, by host or URL key", () => {
    expect(credentialsFromConfig(JSON.stringify({ auths: { "myacr.azurecr.io": { auth: auth("u", "p:w") } } }), "myacr.azurecr.io")).toEqual({ username: "u", password: "p:w" });
    expect(credentialsFromConfig(JSON.stringify({ auths: { "https://myacr.azurecr.io": { username: "00000000-0000-0000-0000-000000000000", identitytoken: "rt" } } }), "myacr.azurecr.io")).toEqual({ identityToken: "rt" });
    expect(credentialsFromConfig(JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: auth("d", "x") } } }), "docker.io")).toEqual({ username: "d", password: "x" });
    expect(credentialsFromConfig(JSON.stringify({ auths: {} }), "r.io")).toBeUndefined();
    expect(credentialsFromConfig(JSON.stringify({ credsStore: "desktop" }), "r.io")).toBeUndefined();
  });
  it("a malformed file is REGISTRY_CREDENTIALS_INVALID, not anonymous", () => {
    expect(() => credentialsFromConfig("{", "r.io")).toThrow(expect.objectContaining({ code: "REGISTRY_CREDENTIALS_INVALID" }));
    expect(() => credentialsFromConfig(JSON.stringify({ auths: { "r.io": { auth: Buffer.from("nocolon").toString("base64") } } }), "r.io")).toThrow(expect.objectContaining({ code: "REGISTRY_CREDENTIALS_INVALID" }));
  });
});
