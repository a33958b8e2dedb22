import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProgramHostReply, ProgramHostRequest, ProgramHostRun } from "./program-protocol";
import type { RecordedResource } from "./recorder";
import { ProgramError } from "./errors";
import { compiled, packageRoot, sdkPreloadFlags } from "./package-paths";

export interface ProgramSource {
  /** Folder holding the program (`index.ts`, or a package.json `main`). */
  readonly programDir: string;
  readonly project: string;
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** Where the config came from, for messages. */
  readonly configFile?: string;
}

interface ProjectFile {
  name?: unknown;
  main?: unknown;
  stackConfigDir?: unknown;
  config?: Record<string, unknown>;
}

function readYaml(file: string): unknown {
  try {
    // Loaded here, not at the top: the preview starts the program host first (startProgramHost),
    // and the YAML parser takes ~30 ms to load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use
    const { parse } = require("yaml") as typeof import("yaml");
    return parse(fs.readFileSync(file, "utf8")) as unknown;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { linePos?: { line: number; col: number }[] };
    const where = e.linePos?.[0] ? `:${e.linePos[0].line}:${e.linePos[0].col}` : "";
    throw new ProgramError(e.code === "ENOENT" ? `cannot read ${file}` : `${file}${where} is not valid YAML: ${e.message.split("\n")[0]}`);
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Pulumi passes every config value to programs as a string; objects and lists as JSON. */
function configValue(file: string, key: string, value: unknown): { text: string; secret: boolean } {
  if (typeof value === "string") return { text: value, secret: false };
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "secure" in value) {
    // An encrypted value cannot be decrypted offline; the program sees a placeholder marked secret.
    return { text: "[secret]", secret: true };
  }
  if (value === null || value === undefined) throw new ProgramError(`${file}: config ${key} has no value`);
  return { text: typeof value === "object" ? JSON.stringify(value) : String(value), secret: false };
}

/**
 * Resolves a project folder (with Pulumi.yaml) and stack name into what the program needs:
 * its folder (`main`), project name, and the stack's config from `<stackConfigDir>/Pulumi.<stack>.yaml`,
 * with project-level defaults underneath, namespaced as the Pulumi CLI does.
 */
export function loadProgramSource(projectDir: string, stack: string): ProgramSource {
  const root = path.resolve(projectDir);
  const projectFile = path.join(root, "Pulumi.yaml");
  const project: ProjectFile = fs.existsSync(projectFile) ? ((readYaml(projectFile) ?? {}) as ProjectFile) : {};
  const name = typeof project.name === "string" ? project.name : path.basename(root);
  const main = typeof project.main === "string" ? path.resolve(root, project.main) : root;
  const configDir = typeof project.stackConfigDir === "string" ? path.resolve(root, project.stackConfigDir) : root;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const qualify = (key: string): string => (key.includes(":") ? key : `${name}:${key}`);
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const def = typeof decl === "object" && decl !== null && "default" in decl ? (decl as { default: unknown }).default : undefined;
    if (def !== undefined) config[qualify(key)] = configValue(projectFile, key, def).text;
  }
  const stackFile = path.join(configDir, `Pulumi.${stack}.yaml`);
  if (fs.existsSync(stackFile)) {
    const parsed: unknown = readYaml(stackFile) ?? {};
    const stackConfig: unknown = isMapping(parsed) ? (parsed["config"] ?? {}) : undefined;
    if (!isMapping(stackConfig)) throw new ProgramError(`${stackFile}: \`config\` must be a mapping of keys to values`);
    for (const [key, value] of Object.entries(stackConfig)) {
      const { text, secret } = configValue(stackFile, key, value);
      config[qualify(key)] = text;
      if (secret) secretKeys.push(qualify(key));
    }
  } else if (fs.existsSync(projectFile) && path.resolve(main) === path.resolve(root, "stacks")) {
    throw new ProgramError(`no stack file ${path.relative(process.cwd(), stackFile)} for stack "${stack}"`);
  }
  return {
    programDir: main,
    project: name,
    stack,
    config,
    secretKeys,
    configFile: fs.existsSync(stackFile) ? stackFile : undefined,
  };
}

/** A program host process, started before the program it will run is known. */
export interface ProgramHost {
  /**
   * Runs the program on the offline mocks and returns what it registered; rejects with
   * ProgramError (message and program location) when it does not load or throws.
   * `onRegistered` is called with each resource as the program registers it, before the end.
   */
  run(source: ProgramSource, opts?: RunOptions): Promise<RecordedResource[]>;
  /** Stops the host (a program that will not be run after all). */
  close(): void;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly onRegistered?: (resource: RecordedResource) => void;
}

/**
 * Starts a program host: a child process that loads the Pulumi SDK and the mocks at once, then
 * waits for its program (`run`). The preview starts it before reading the stack's config, so the
 * two overlap; the program itself is the longest part of a preview.
 */
export function startProgramHost(): ProgramHost {
  const child = fork(path.join(__dirname, compiled ? "program-host.js" : "program-host.ts"), [], {
    // The host runs under tsx only when this package runs from sources; a TypeScript program
    // (`--program DIR`) has the host register tsx before loading it.
    execArgv: [...sdkPreloadFlags, ...(compiled ? [] : ["--require", require.resolve("tsx/cjs")])],
    env: {
      ...process.env,
      // A program outside this package (`--program DIR`) finds the Pulumi SDKs here when it has
      // none of its own, and shares this package's @pulumi/pulumi, on which the mocks are installed.
      NODE_PATH: [path.join(packageRoot, "node_modules"), process.env["NODE_PATH"]].filter(Boolean).join(path.delimiter),
    },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  // Until `run`, an exit is nobody's error; `run` sees it through `exited`.
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let started = false;
  return {
    close: () => {
      if (child.exitCode === null) child.kill();
    },
    run: (source, opts = {}) => {
      if (started) return Promise.reject(new Error("a program host runs one program"));
      started = true;
      const hasEntry = ["index.ts", "index.js", "package.json"].some((f) => fs.existsSync(path.join(source.programDir, f)));
      if (!hasEntry) {
        child.kill();
        return Promise.reject(new ProgramError(`${source.programDir} has no index.ts, index.js or package.json`));
      }
      const compiledProgram = compiledTwin(source.programDir);
      const request: ProgramHostRequest = {
        programDir: compiledProgram ?? source.programDir,
        project: source.project,
        stack: source.stack,
        config: source.config,
        secretKeys: source.secretKeys,
        tsx: compiledProgram === undefined,
      };
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill();
          reject(new ProgramError(`the program in ${source.programDir} did not finish within ${opts.timeoutMs ?? 120_000} ms`));
        }, opts.timeoutMs ?? 120_000);
        const registered: RecordedResource[] = [];
        let reply: ProgramHostReply | undefined;
        child.on("message", (m: ProgramHostReply) => {
          if (m.kind === "registered") {
            registered.push(m.resource);
            opts.onRegistered?.(m.resource);
          } else reply = m;
        });
        void exited.then((code) => {
          clearTimeout(timer);
          if (reply?.kind === "result" && reply.count !== registered.length) {
            reject(new ProgramError(`the program host registered ${reply.count} resources but sent ${registered.length}`));
          } else if (reply?.kind === "result") {
            for (const [index, outputs] of Object.entries(reply.outputs)) (registered[Number(index)] as RecordedResource).outputs = outputs;
            resolve(registered);
          } else if (reply?.kind === "error") {
            // A config error is about the stack file, not the line of code that noticed it.
            const where = reply.errorName === "ConfigError" && source.configFile ? source.configFile : reply.location;
            const location = where ? relativeLocation(where) : undefined;
            reject(new ProgramError(reply.message, location));
          } else {
            reject(new ProgramError(`the program host exited with code ${code}: ${stderr.trim().split("\n").slice(-3).join(" ")}`));
          }
        });
        const run: ProgramHostRun = { kind: "run", request };
        child.send(run, (err) => {
          // The host is gone (it failed to start): its exit, above, says why.
          if (err) child.kill();
        });
      });
    },
  };
}

/** Runs the program in a new program host (`startProgramHost`) and returns what it registered. */
export function runProgram(source: ProgramSource, opts: RunOptions = {}): Promise<RecordedResource[]> {
  return startProgramHost().run(source, opts);
}

/**
 * The compiled form of a program folder of this package (the stacks) when running compiled, so
 * the program host loads JavaScript without tsx; undefined for any other folder.
 */
function compiledTwin(programDir: string): string | undefined {
  if (!compiled) return undefined;
  const relative = path.relative(packageRoot, path.resolve(programDir));
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative) || relative.split(path.sep)[0] === "dist") return undefined;
  const twin = path.join(packageRoot, "dist", relative);
  return fs.existsSync(path.join(twin, "index.js")) ? twin : undefined;
}

function relativeLocation(location: string): string {
  const rel = path.relative(process.cwd(), location);
  return rel.startsWith("..") ? location : rel;
}
