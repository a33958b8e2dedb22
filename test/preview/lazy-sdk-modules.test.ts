import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/harness";

// bin/lazy-sdk-modules.cjs, preloaded into the program host and the policy pack, keeps
// @pulumi/pulumi's closure serializer (TypeScript, npm's Arborist), its Automation API, and gRPC
// with the SDK's generated clients unloaded until they are used.

const preload = path.join(repoRoot, "bin", "lazy-sdk-modules.cjs");
const scratch = mkdtempSync(path.join(tmpdir(), "lazy-sdk-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function node(script: string, preloaded = true): { status: number | null; stdout: string; stderr: string } {
  const args = [...(preloaded ? ["--require", preload] : []), "-e", script];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: "utf8", timeout: 60_000, env: { ...process.env, NODE_OPTIONS: "--no-deprecation --no-warnings" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A stand-in sits in the require cache under the real file's name; it is a Proxy, the real module never is.
const loaded = `const loaded = (part) => Object.entries(require.cache).some(([k, m]) => k.includes(part) && !require("node:util").types.isProxy(m.exports));`;

describe("the SDK stand-ins preloaded into the preview's processes", () => {
  it("leave TypeScript and Arborist unloaded by require('@pulumi/pulumi'), which loads them without the preload", () => {
    const script = `${loaded} require("@pulumi/pulumi"); console.log(JSON.stringify([loaded("/typescript/lib/typescript.js"), loaded("/@npmcli/arborist/")]));`;
    expect(node(script, false).stdout.trim()).toBe("[true,true]");
    const r = node(script);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("[false,false]");
  });

  it("leave the Automation API unloaded by require('@pulumi/pulumi'), and load it on first use", () => {
    const script = `${loaded} const pulumi = require("@pulumi/pulumi"); const before = loaded("/@pulumi/pulumi/automation/stack.js");
      const kind = typeof pulumi.automation.LocalWorkspace; console.log(JSON.stringify([before, kind, loaded("/@pulumi/pulumi/automation/stack.js")]));`;
    expect(node(script, false).stdout.trim()).toBe('[true,"function",true]');
    const r = node(script);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe('[false,"function",true]');
  });

  it("leave gRPC and the SDK's generated clients unloaded by require('@pulumi/pulumi'), and load them on first use", () => {
    const script = `${loaded} const pulumi = require("@pulumi/pulumi"); const grpc = require("@grpc/grpc-js");
      const before = [loaded("/@grpc/grpc-js/build/src/index.js"), loaded("/proto/resource_grpc_pb.js"), process.moduleLoadList.includes("NativeModule http2")];
      const unavailable = grpc.status.UNAVAILABLE; const server = new grpc.Server(); server.forceShutdown();
      const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
      console.log(JSON.stringify([...before, unavailable, typeof resrpc.ResourceMonitorClient, loaded("/@grpc/grpc-js/build/src/index.js"), loaded("/proto/resource_grpc_pb.js")]));`;
    expect(node(script, false).stdout.trim()).toBe('[true,true,true,14,"function",true,true]');
    const r = node(script);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe('[false,false,false,14,"function",true,true]');
  });

  it("install the gRPC stand-ins only on the modules and importers they expect", () => {
    const req = createRequire(__filename);
    const { lazyGrpcClients, lazyGrpc } = req(preload) as { lazyGrpcClients(file: string, importers: readonly string[]): boolean; lazyGrpc(file: string): boolean };
    const dir = mkdtempSync(path.join(scratch, "grpc-"));
    mkdirSync(path.join(dir, "proto"));
    mkdirSync(path.join(dir, "runtime"));
    const client = "var grpc = require('@grpc/grpc-js');\nexports.ThingClient = grpc.makeGenericClientConstructor({}, 'Thing');\n";
    writeFileSync(path.join(dir, "proto", "thing_grpc_pb.js"), client);
    writeFileSync(path.join(dir, "proto", "plain.js"), "exports.x = 1;\n");
    writeFileSync(path.join(dir, "runtime", "ok.js"), 'const thingrpc = __importStar(require("../proto/thing_grpc_pb"));\n');
    writeFileSync(path.join(dir, "runtime", "spread.js"), 'const thingrpc = require("../proto/thing_grpc_pb");\n');
    writeFileSync(path.join(dir, "runtime", "twice.js"), 'const thingrpc = __importStar(require("../proto/thing_grpc_pb"));\nconst again = require("../proto/thing_grpc_pb");\n');
    const proto = (f: string) => path.join(dir, "proto", f);
    const importer = (f: string) => path.join(dir, "runtime", f);
    expect(lazyGrpcClients(proto("plain.js"), [importer("ok.js")])).toBe(false);
    expect(lazyGrpcClients(proto("thing_grpc_pb.js"), [importer("spread.js")])).toBe(false);
    expect(lazyGrpcClients(proto("thing_grpc_pb.js"), [importer("twice.js")])).toBe(false);
    expect(lazyGrpcClients(proto("thing_grpc_pb.js"), [importer("ok.js"), importer("missing.js")])).toBe(false);
    expect(lazyGrpcClients(proto("missing_grpc_pb.js"), [importer("ok.js")])).toBe(false);
    expect(lazyGrpcClients(proto("thing_grpc_pb.js"), [importer("ok.js")])).toBe(true);
    writeFileSync(path.join(dir, "grpc.js"), "exports.Server = class {};\n");
    expect(lazyGrpc(path.join(dir, "grpc.js"))).toBe(false);
    writeFileSync(path.join(dir, "grpc-esm.js"), 'Object.defineProperty(exports, "__esModule", { value: true });\nexports.Server = class {};\n');
    expect(lazyGrpc(path.join(dir, "grpc-esm.js"))).toBe(true);
    expect(typeof (req(path.join(dir, "grpc-esm.js")) as { Server: unknown }).Server).toBe("function");
  });

  it("install the namespace stand-in only for a compiled module its importer keeps as a namespace", () => {
    const req = createRequire(__filename);
    const { lazyEsModule } = req(preload) as { lazyEsModule(file: string, importer: string, name: string): boolean };
    const dir = mkdtempSync(path.join(scratch, "ns-"));
    const marked = 'Object.defineProperty(exports, "__esModule", { value: true });\nexports.x = 42;\n';
    writeFileSync(path.join(dir, "plain.js"), "exports.x = 42;\n");
    writeFileSync(path.join(dir, "spread.js"), 'const __importStar = (m) => m;\n__exportStar(require("./thing"), exports);\n');
    writeFileSync(path.join(dir, "twice.js"), 'const thing = __importStar(require("./thing"));\nconst again = require("./thing");\n');
    writeFileSync(path.join(dir, "index.js"), 'const thing = __importStar(require("./thing"));\nexports.thing = thing;\n');
    writeFileSync(path.join(dir, "thing.js"), marked);
    expect(lazyEsModule(path.join(dir, "plain.js"), path.join(dir, "index.js"), "plain")).toBe(false);
    expect(lazyEsModule(path.join(dir, "thing.js"), path.join(dir, "spread.js"), "thing")).toBe(false);
    expect(lazyEsModule(path.join(dir, "thing.js"), path.join(dir, "twice.js"), "thing")).toBe(false);
    expect(lazyEsModule(path.join(dir, "missing.js"), path.join(dir, "index.js"), "missing")).toBe(false);
    expect(lazyEsModule(path.join(dir, "thing.js"), path.join(dir, "index.js"), "thing")).toBe(true);
    const thing = req(path.join(dir, "thing.js")) as { __esModule: boolean; x: number };
    expect(thing.__esModule).toBe(true);
    expect(thing.x).toBe(42);
  });

  it("leave TypeScript and ts-node unloaded by the policy pack runner's registration, until a .ts file is required", () => {
    const dir = mkdtempSync(path.join(scratch, "ts-"));
    writeFileSync(path.join(dir, "answer.ts"), "const n: number = 41;\nexport const answer = n + 1;\n");
    // what cmd/run-policy-pack does before it loads a pack: find both, read the version, register
    const script = `${loaded} const tsutils = require("@pulumi/pulumi/tsutils");
      const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
      const version = require(typescriptRequire).version;
      require(tsnodeRequire).register({ transpileOnly: true, skipProject: true, compiler: typescriptRequire, compilerOptions: { module: "commonjs" } });
      const before = [loaded("/typescript/lib/typescript.js"), loaded("ts-node@7.0.1/index.js")];
      const { answer } = require(${JSON.stringify(path.join(dir, "answer.ts"))});
      console.log(JSON.stringify([typeof version, ...before, answer, loaded("/typescript/lib/typescript.js")]));`;
    const r = node(script);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe('["string",false,false,42,true]');
  });

  it("install the TypeScript and ts-node stand-ins only on what they expect", () => {
    const req = createRequire(__filename);
    const { lazyTypeScript, lazyTsNodeRegister } = req(preload) as {
      lazyTypeScript(file: string): boolean;
      lazyTsNodeRegister(file: string): boolean;
    };
    const dir = mkdtempSync(path.join(scratch, "gate-"));
    mkdirSync(path.join(dir, "lib"));
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "not-typescript", version: "1.0.0" }));
    writeFileSync(path.join(dir, "lib", "typescript.js"), "exports.version = '1.0.0';\n");
    expect(lazyTypeScript(path.join(dir, "lib", "typescript.js"))).toBe(false);
    writeFileSync(path.join(dir, "other-ts-node.js"), "function compile(opts) {\n}\nexports.compile = compile;\n");
    expect(lazyTsNodeRegister(path.join(dir, "other-ts-node.js"))).toBe(false);
    expect(lazyTsNodeRegister(path.join(dir, "missing.js"))).toBe(false);
  });

  it("load the real modules on first use: serializeFunction still serializes a closure", () => {
    const r = node(`${loaded} const pulumi = require("@pulumi/pulumi");
      pulumi.runtime.serializeFunction(() => 40 + 2).then((s) => console.log(JSON.stringify([s.text.includes("return () => 40 + 2;"), loaded("/typescript/lib/typescript.js")])));`);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("[true,true]");
  });

  it("are installed only when the module still exports exactly what they forward", () => {
    const req = createRequire(__filename);
    const { lazyFunctions } = req(preload) as { lazyFunctions(file: string, names: readonly string[]): boolean };
    const file = path.join(scratch, "mod.js");
    writeFileSync(file, 'function a() { return "a"; }\nexports.a = a;\nfunction b(x) { return x + 1; }\nexports.b = b;\n');
    expect(lazyFunctions(file, ["a"])).toBe(false);
    expect(lazyFunctions(file, ["a", "b", "c"])).toBe(false);
    expect(lazyFunctions(path.join(scratch, "missing.js"), ["a"])).toBe(false);
    expect(lazyFunctions(file, ["b", "a"])).toBe(true);
    const mod = req(file) as { a(): string; b(x: number): number };
    expect(mod.b(41)).toBe(42);
    expect(mod.a()).toBe("a");
  });
});
