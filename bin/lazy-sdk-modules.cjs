"use strict";
// Preloaded (`node --require`) into the processes the preview starts: the program on the mocks
// and the policy pack. @pulumi/pulumi loads its closure serializer at start (TypeScript's
// compiler, 9 MB, and npm's Arborist with ~50 modules) though only `pulumi.runtime.serializeFunction`
// uses it, which no preview calls; both processes paid 0.2-0.4 s each for it. Each module below is
// replaced in the require cache by a stand-in that loads the real one on first use, so nothing
// changes for code that does use it. A stand-in is installed only when the SDK's file still
// exports exactly what it forwards (checked from the file's text), so an SDK update that moves
// things simply turns this off. Upstream, the fix is a lazy require in runtime/index.js and
// runtime/closure/parseFunction.js.
const Module = require("node:module");
const fs = require("node:fs");
const path = require("node:path");

/** A file's text, or undefined when it cannot be read (a stand-in is then simply not installed). */
function readText(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function loader(file) {
  let real;
  return () => {
    if (real === undefined) {
      delete Module._cache[file];
      real = require(file);
    }
    return real;
  };
}

/**
 * A module's exports that load the real module on first use; the keys of `own` are answered
 * without loading it.
 */
function lazyObject(load, own = {}) {
  return new Proxy(
    {},
    {
      get: (_, key) => (Object.prototype.hasOwnProperty.call(own, key) ? own[key] : load()[key]),
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Object.getOwnPropertyDescriptor(load(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
}

function install(file, exportsObject) {
  const stand = new Module(file, module);
  stand.filename = file;
  stand.loaded = true;
  stand.exports = exportsObject;
  Module._cache[file] = stand;
}

/** A module whose exports are all functions, named in `names`: forwarders. */
function lazyFunctions(file, names) {
  const text = readText(file);
  if (text === undefined) return false;
  const exported = [...text.matchAll(/^exports\.(\w+) = /gm)].map((m) => m[1]).sort();
  if (exported.join() !== [...names].sort().join()) return false;
  for (const name of names) if (!new RegExp(`^(async )?function\\*? ?${name}\\(`, "m").test(text)) return false;
  const load = loader(file);
  const forwarders = Object.defineProperty({}, "__esModule", { value: true });
  for (const name of names) forwarders[name] = (...args) => load()[name](...args);
  install(file, forwarders);
  return true;
}

/** A module that only re-exports another (`module.exports = require(x)`), used as a namespace. */
function lazyNamespace(file) {
  const text = readText(file);
  if (text === undefined) return false;
  if (!/module\.exports = require\("typescript"\);/.test(text)) return false;
  const load = loader(file);
  install(file, lazyObject(load));
  return true;
}

/**
 * A TypeScript-compiled module used only as a namespace by its importer (`__importStar(require(x))`,
 * which returns a module marked `__esModule` as it is): a stand-in that answers `__esModule` and
 * loads the real module on any other use.
 */
function lazyEsModule(file, importer, name) {
  const text = readText(file);
  const importerText = readText(importer);
  if (text === undefined || importerText === undefined) return false;
  if (!text.includes('Object.defineProperty(exports, "__esModule", { value: true });')) return false;
  // the importer must only keep it as a namespace, never list its exports at load
  const uses = importerText.split(`require("./${name}")`).length - 1;
  if (uses !== 1 || !importerText.includes(`const ${name} = __importStar(require("./${name}"));`)) return false;
  const load = loader(file);
  install(file, lazyObject(load, { __esModule: true }));
  return true;
}

/**
 * A generated gRPC client module (`proto/*_grpc_pb.js`: its services and
 * `grpc.makeGenericClientConstructor` clients), kept unloaded, with @grpc/grpc-js, until used. Each
 * importer must hold it as a namespace only (`__importStar(require(spec))`, once), which returns a
 * module marked `__esModule` as it is; the stand-in answers that mark and loads the real module on
 * any other use.
 */
function lazyGrpcClients(file, importers) {
  const text = readText(file);
  if (text === undefined) return false;
  if (!text.includes("grpc.makeGenericClientConstructor(") || text.includes("__esModule")) return false;
  for (const importer of importers) {
    const importerText = readText(importer);
    if (importerText === undefined) return false;
    const spec = `require("${path.relative(path.dirname(importer), file).replace(/\.js$/, "").replace(/^(?!\.)/, "./")}")`;
    if (importerText.split(spec).length !== 2 || !new RegExp(`const \\w+ = __importStar\\(${spec.replace(/[.()/]/g, "\\$&")}\\);`).test(importerText)) return false;
  }
  install(file, lazyObject(loader(file), { __esModule: true }));
  return true;
}

/**
 * @grpc/grpc-js itself (a compiled module marked `__esModule`), loaded on first use: a program on
 * the mocks opens no channel, yet the SDK's runtime loads gRPC, HTTP/2 and TLS at start.
 */
function lazyGrpc(file) {
  const text = readText(file);
  if (text === undefined) return false;
  if (!text.includes('Object.defineProperty(exports, "__esModule", { value: true });') || !text.includes("exports.Server")) return false;
  install(file, lazyObject(loader(file), { __esModule: true }));
  return true;
}

/** The file `require(request)` would load from `dir`, or undefined. */
function resolveFrom(dir, request) {
  try {
    return require.resolve(request, { paths: [dir] });
  } catch {
    return undefined;
  }
}

/**
 * TypeScript, answering `version` (from its package.json) without loading the compiler, which
 * any other use loads.
 */
function lazyTypeScript(file) {
  let version;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "..", "package.json"), "utf8"));
    if (pkg.name !== "typescript" || typeof pkg.version !== "string") return false;
    version = pkg.version;
  } catch {
    return false;
  }
  const load = loader(file);
  install(file, lazyObject(load, { version }));
  return true;
}

/**
 * ts-node whose `register(options)` takes effect when the first .ts or .tsx file is required:
 * until then nothing is loaded (the real register loads TypeScript, reads tsconfig.json and
 * installs source-map support at once). Any other use loads the real module.
 */
function lazyTsNodeRegister(file) {
  const text = readText(file);
  if (text === undefined) return false;
  if (!/^function register\(opts\) \{$/m.test(text) || !/exports\.register = register|register: \(\) => register|register,/.test(text)) return false;
  const load = loader(file);
  const extensions = [".ts", ".tsx"];
  const register = (options) => {
    const before = new Map(extensions.map((ext) => [ext, Module._extensions[ext]]));
    const deferred = function (module, filename) {
      for (const [ext, handler] of before) {
        if (handler === undefined) delete Module._extensions[ext];
        else Module._extensions[ext] = handler;
      }
      load().register(options);
      const ext = extensions.find((e) => filename.endsWith(e)) ?? ".ts";
      return Module._extensions[ext](module, filename);
    };
    for (const ext of extensions) Module._extensions[ext] = deferred;
  };
  install(file, lazyObject(load, { register, __esModule: undefined }));
  return true;
}

function pulumiRoot() {
  try {
    return path.dirname(require.resolve("@pulumi/pulumi", { paths: [__dirname] }));
  } catch {
    return undefined;
  }
}

const root = pulumiRoot();
if (root !== undefined && process.env.SECURE_MLOPS_EAGER_SDK !== "1") {
  lazyFunctions(path.join(root, "runtime", "closure", "serializeClosure.js"), ["serializeFunction", "serializeFunctionAsync"]);
  lazyFunctions(path.join(root, "runtime", "closure", "codePaths.js"), ["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"]);
  lazyNamespace(path.join(root, "typescript-shim.js"));
  // The Automation API (workspaces, the CLI wrapper, its YAML and gRPC server): `pulumi.automation`
  // is loaded by the SDK's index at start, used by no program or policy pack.
  lazyEsModule(path.join(root, "automation", "index.js"), path.join(root, "index.js"), "automation");
  // The policy pack runner (cmd/run-policy-pack) registers ts-node, with TypeScript and type
  // checking, before it loads a pack, TypeScript or not: a quarter of the pack's start. The pack
  // entry (policies/pack-entry.cjs) is CommonJS and brings tsx itself when it runs the sources,
  // so in the preview's processes TypeScript and ts-node load only if a .ts file is required
  // through ts-node after all. The runner finds them from the SDK's folder, or its vendored copies.
  // gRPC and the generated clients of the engine, the resource monitor, callbacks and providers:
  // the program on the mocks uses none of them (about 0.1 s of its start, node --cpu-prof); the
  // pack's server loads gRPC on its first use, at once. Only when every importer holds its client
  // module as a namespace; gRPC itself only when all four client modules are stand-ins, since each
  // would otherwise load it.
  const clients = [
    ["engine_grpc_pb", "runtime/settings.js"],
    ["resource_grpc_pb", "runtime/settings.js"],
    ["callback_grpc_pb", "runtime/callbacks.js"],
    ["provider_grpc_pb", "provider/server.js"],
  ];
  const standIns = clients.filter(([proto, importer]) => lazyGrpcClients(path.join(root, "proto", `${proto}.js`), [path.join(root, importer)]));
  const grpcEntry = resolveFrom(root, "@grpc/grpc-js");
  if (standIns.length === clients.length && grpcEntry !== undefined) lazyGrpc(grpcEntry);
  const typescript = resolveFrom(root, "typescript") ?? path.join(root, "vendor", "typescript@3.8.3", "typescript.js");
  lazyTypeScript(typescript);
  const tsNode = resolveFrom(root, "ts-node") ?? resolveFrom(root, path.join(root, "vendor", "ts-node@7.0.1"));
  if (tsNode !== undefined) lazyTsNodeRegister(tsNode);
}

module.exports = { lazyFunctions, lazyNamespace, lazyEsModule, lazyTypeScript, lazyTsNodeRegister, lazyGrpcClients, lazyGrpc };
