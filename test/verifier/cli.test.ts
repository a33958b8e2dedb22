import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { POLICY, cleanupTemp, fixture, makeCertificate, tempDir } from "./helpers";
import { runInProcess as run } from "../support/cli";

afterAll(cleanupTemp);

const ROOT = path.resolve(__dirname, "../..");

describe("secure-mlops verifier serve", () => {
  const dir = tempDir();
  const { cert, key } = makeCertificate(dir, "tls");

  it("exits 2 naming the policy file it cannot read", async () => {
    expect(await run("verifier", "serve", "--policy", path.join(dir, "none.yaml"), "--tls-cert", cert, "--tls-key", key)).toEqual({
      code: 2,
      out: "",
      err: `secure-mlops: --policy: ${path.join(dir, "none.yaml")}: cannot read policy (ENOENT)\n`,
    });
  });

  it("exits 2 when the key does not match the certificate", async () => {
    const other = makeCertificate(dir, "other");
    const r = await run("verifier", "serve", "--policy", POLICY, "--tls-cert", cert, "--tls-key", other.key, "--port", "0", "--metrics-port", "0");
    expect([r.code, r.err.split(" (")[0]]).toEqual([2, `secure-mlops: --tls-cert: ${cert}, ${other.key}: not a matching PEM certificate and private key`]);
  });

  it("exits 2 on a port that is not one", async () => {
    expect((await run("verifier", "serve", "--policy", POLICY, "--tls-cert", cert, "--tls-key", key, "--port", "70000")).err).toBe('secure-mlops: --port: must be a port number (0-65535), got "70000"\n');
  });

  it("serves until SIGTERM with the real verifiers (ready; a tag-only image denied before any registry request), then exits 0", async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/secure-mlops.cjs"), "verifier", "serve", "--policy", POLICY, "--tls-cert", cert, "--tls-key", key, "--port", "0", "--metrics-port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString("utf8");
        const m = /"url":"(https:\/\/127\.0\.0\.1:[0-9]+)"/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before listening: ${stdout}`)));
    });
    const ca = readFileSync(cert, "utf8");
    const call = (p: string, body?: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(new URL(p, url), { method: body === undefined ? "GET" : "POST", ca, agent: false, headers: body === undefined ? {} : { "content-type": "application/json" } }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on("error", reject);
        req.end(body);
      });
    expect((await call("/readyz")).status).toBe(200);
    // every image by tag and no model: judged without the network (myacr.azurecr.io is never asked)
    const review = fixture("deployment");
    const template = (review.request.object as { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } } }).spec.template;
    delete template.metadata.annotations;
    expect(template.spec.containers.length).toBe(3);
    for (const c of template.spec.containers) c.image = c.image.replace(/@sha256:[0-9a-f]{64}$/, ":1.0");
    const answer = JSON.parse((await call("/validate?timeout=10s", JSON.stringify(review))).body) as { response: { allowed: boolean; status: { code: number; message: string } } };
    expect([answer.response.allowed, answer.response.status.code]).toEqual([false, 403]);
    expect(answer.response.status.message.split(": ").slice(0, 3)).toEqual(["secure-mlops verifier denied Deployment ml-serving/sentiment", 'container "web"', 'image "myacr.azurecr.io/ml/serving:1.0" is not pinned by digest; pin it as myacr.azurecr.io/ml/serving@sha256:<digest> (the digest of the tag you tested']);
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l["event"] ?? l["code"])).toEqual(["listening", "REFERENCE_NOT_PINNED", "stopped"]);
  });
});
