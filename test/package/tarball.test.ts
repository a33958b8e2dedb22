import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The package as a user gets it: `npm pack` (which builds dist/ through prepack), the tarball
// unpacked into a scratch project's node_modules exactly as npm installs it, then a consumer's
// TypeScript that imports the three public entries, type-checked and run from dist/. The scratch
// project sits inside the repository (under .secure-mlops/, ignored by git) so the package's own
// dependencies resolve from the repository's node_modules: installing them again from the registry
// would take minutes and prove nothing more about our package.

const repoRoot = path.resolve(__dirname, "../..");
const bin = path.join(repoRoot, "node_modules", ".bin");
let scratch: string;
let packageDir: string;
let tarballFiles: string[];

const consumer = `import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SecureRegistry, secureRegistryDefaults, type SecureRegistryArgs } from "secure-mlops";
import { attestDirectory, closeHashPool, loadPrivateKey, loadPublicKey, verifyDirectory, type DirectoryVerification } from "secure-mlops/attestation";
import { allPolicies, policyCatalog, type PolicyEntry } from "secure-mlops/policies";

async function main(): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: args.name + "-id", state: { ...args.inputs, loginServer: args.name + ".azurecr.io", identity: { principalId: "00000000-0000-4000-8000-000000000000" } } }),
      call: (args) => args.inputs,
    },
    "consumer",
    "dev",
    true,
  );
  const sub = "/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg/providers";
  const args: SecureRegistryArgs = {
    resourceGroupName: "rg",
    logAnalyticsWorkspaceId: sub + "/Microsoft.OperationalInsights/workspaces/log",
    privateEndpoint: { subnetId: sub + "/Microsoft.Network/virtualNetworks/vnet/subnets/pe", virtualNetworkId: sub + "/Microsoft.Network/virtualNetworks/vnet" },
  };
  const registry = new SecureRegistry("consumer-acr", args);
  const urn = await new Promise<string>((resolve) => registry.urn.apply(resolve));

  const dir = mkdtempSync(path.join(tmpdir(), "consumer-model-"));
  writeFileSync(path.join(dir, "weights.bin"), Buffer.alloc(4096, 7));
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const keyFile = path.join(dir, "..", path.basename(dir) + ".key.pem");
  const pubFile = keyFile + ".pub";
  writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(pubFile, publicKey.export({ type: "spki", format: "pem" }));
  await attestDirectory({ root: dir, signer: { method: "key", privateKey: await loadPrivateKey(keyFile) } });
  const result: DirectoryVerification = await verifyDirectory({ root: dir, trust: [{ method: "public-key", key: await loadPublicKey(pubFile) }] });
  await closeHashPool();

  const catalog: readonly PolicyEntry[] = policyCatalog();
  process.stdout.write(JSON.stringify({
    registryUrn: urn,
    adminUserDefault: secureRegistryDefaults.adminUserEnabled,
    verified: result.verified,
    policies: allPolicies.length,
    firstPolicy: catalog[0]?.name,
  }) + "\\n");
}

main().catch((err: unknown) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err) + "\\n");
  process.exitCode = 1;
});
`;

// The two resolutions that read a package's `exports` map: Node's own (node16/nodenext) and the
// bundlers' (Vite, esbuild, tsx). node10 ignores `exports` and would reach the TypeScript sources.
function tsconfig(moduleResolution: "node16" | "bundler"): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: moduleResolution === "node16" ? "node16" : "preserve",
      moduleResolution,
      strict: true,
      types: ["node"],
      skipLibCheck: true,
      outDir: "out",
    },
    files: ["main.ts"],
  });
}

beforeAll(() => {
  mkdirSync(path.join(repoRoot, ".secure-mlops"), { recursive: true });
  scratch = mkdtempSync(path.join(repoRoot, ".secure-mlops", "consumer-"));
  // Pack a copy of the tracked files, so the build that `npm pack` runs (prepack) writes its
  // dist/ there and never under a repository whose other tests are running.
  const staging = path.join(scratch, "staging");
  const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" }).split("\0").filter(Boolean);
  expect(tracked.length).toBeGreaterThan(100);
  for (const file of tracked.filter((f) => !f.startsWith("test/") && !f.startsWith(".secure-mlops/"))) {
    mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
    copyFileSync(path.join(repoRoot, file), path.join(staging, file));
  }
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: staging, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` } }),
  ) as { filename: string; files: { path: string }[] }[];
  tarballFiles = packed[0]!.files.map((f) => f.path);
  packageDir = path.join(scratch, "node_modules", "secure-mlops");
  mkdirSync(packageDir, { recursive: true });
  execFileSync("tar", ["xzf", path.join(scratch, path.basename(packed[0]!.filename)), "-C", packageDir, "--strip-components=1"]);
  rmSync(staging, { recursive: true, force: true });
  writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  writeFileSync(path.join(scratch, "main.ts"), consumer);
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the npm tarball", () => {
  it("carries compiled code and declarations for each public entry", () => {
    for (const file of ["dist/components/index.js", "dist/components/index.d.ts", "dist/attestation/index.js", "dist/attestation/index.d.ts", "dist/policies/catalog.js", "dist/policies/catalog.d.ts"]) {
      expect(tarballFiles, file).toContain(file);
    }
    expect(readdirSync(path.join(packageDir, "dist"))).toEqual(expect.arrayContaining(["attestation", "components", "policies"]));
    expect(tarballFiles.filter((f) => f.startsWith("test/"))).toEqual([]);
  });

  for (const resolution of ["node16", "bundler"] as const) {
    it(`type-checks a consumer's imports with moduleResolution ${resolution}`, () => {
      writeFileSync(path.join(scratch, `tsconfig.${resolution}.json`), tsconfig(resolution));
      const r = spawnSync(path.join(bin, "tsc"), ["-p", `tsconfig.${resolution}.json`, "--noEmit"], { cwd: scratch, encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    }, 180_000);
  }

  it("runs the consumer from dist/: a component registers, a model signs and verifies, the policy list loads", () => {
    const build = spawnSync(path.join(bin, "tsc"), ["-p", "tsconfig.node16.json"], { cwd: scratch, encoding: "utf8" });
    expect(build.stdout + build.stderr).toBe("");
    const run = spawnSync(process.execPath, [path.join(scratch, "out", "main.js")], { cwd: scratch, encoding: "utf8", timeout: 120_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      registryUrn: "urn:pulumi:dev::consumer::secure-mlops:azure:SecureRegistry::consumer-acr",
      adminUserDefault: false,
      verified: true,
      policies: expect.any(Number),
      firstPolicy: "azure-containerregistry-registry-admin-user-disabled",
    });
    expect(out["policies"]).toBeGreaterThan(100);
  }, 180_000);

  it("runs the CLI, the program on the mocks and the policy pack from dist/, none of them loading tsx", () => {
    // tsx stays a dependency for `--program DIR` (a user's TypeScript); every other path of a
    // packed install runs the compiled code. The hook is in NODE_OPTIONS, so the processes the
    // preview starts inherit it.
    expect(tarballFiles).toContain("dist/build-stamp.json");
    const forbid = path.join(scratch, "forbid-tsx.cjs");
    writeFileSync(
      forbid,
      'const M = require("node:module"); const resolve = M._resolveFilename;\n' +
        'M._resolveFilename = function (request, ...rest) { if (/^tsx($|\\/)/.test(request)) throw new Error("tsx loaded for " + request); return resolve.call(this, request, ...rest); };\n',
    );
    const cli = path.join(packageDir, "bin", "secure-mlops.cjs");
    const env = { ...process.env, NODE_OPTIONS: `--require ${forbid}` };
    const help = spawnSync(process.execPath, [cli, "--help"], { cwd: scratch, encoding: "utf8", env, timeout: 60_000 });
    expect(help.stderr).toBe("");
    expect(help.stdout).toContain("attest ");
    const preview = spawnSync(process.execPath, [cli, "preview", "--stack", "dev", "--policy-config", path.join(packageDir, "policies", "config", "dev.json"), "--json"], { cwd: scratch, encoding: "utf8", env, timeout: 180_000 });
    expect(preview.stderr).toBe("");
    expect(preview.status).toBe(0);
    const result = JSON.parse(preview.stdout) as { resources: unknown[] };
    expect(result.resources.length).toBeGreaterThan(50);
  }, 240_000);
});
