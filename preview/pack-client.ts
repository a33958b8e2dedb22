import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import { BinaryWriter } from "google-protobuf";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { encodeStruct } from "./struct-wire";
import { WireScanner, wireType } from "./wire-scan";
import { PolicyPackError } from "./errors";
import { sdkPreloadFlags } from "./package-paths";

/**
 * A policy pack served over the analyzer gRPC protocol, started the way the Pulumi CLI starts it
 * (`run-policy-pack <engine-address> <pack-dir>` with an Engine service for its logs), so the
 * verdicts offline are the verdicts the engine gets.
 */

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export type Severity = "low" | "medium" | "high" | "critical" | "";

export interface PolicyInfo {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly policyType: "resource" | "stack" | "unknown";
  readonly severity: Severity;
  readonly framework?: { name: string; version: string; reference: string; specification: string };
  readonly tags: readonly string[];
  readonly remediationSteps: string;
  readonly configSchema?: { properties: Record<string, unknown>; required: readonly string[] };
}

export interface PackInfo {
  readonly name: string;
  readonly version: string;
  readonly policies: readonly PolicyInfo[];
}

export interface Diagnostic {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly message: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity: Severity;
  readonly urn: string;
}

/** Options of a resource as the engine sends them to analyzers. */
export interface AnalyzerOptions {
  readonly parent?: string;
  readonly protect?: boolean;
  readonly ignoreChanges?: readonly string[];
  readonly deleteBeforeReplace?: boolean;
  readonly additionalSecretOutputs?: readonly string[];
  readonly aliases?: readonly string[];
  readonly customTimeouts?: { create?: number; update?: number; delete?: number };
}

export interface AnalyzerProvider {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly properties: Record<string, unknown>;
}

/** One resource for `Analyze`: its inputs as the engine has them before the step runs. */
export interface AnalyzeInput {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Serialized property values (Pulumi's wire format: secrets and unknowns as sentinel objects). */
  readonly properties: Record<string, unknown>;
  readonly options?: AnalyzerOptions;
  readonly provider?: AnalyzerProvider;
}

/** One resource for `AnalyzeStack`: its outputs and its place in the graph. */
export interface AnalyzeStackInput extends AnalyzeInput {
  readonly parent?: string;
  readonly dependencies?: readonly string[];
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** Per-policy config as the engine sends it after validating the user's file. */
export type ResolvedPolicyConfig = Readonly<
  Record<string, { enforcementLevel?: EnforcementLevel; properties?: Record<string, unknown> }>
>;

const enforcementNames: Record<number, EnforcementLevel> = {
  [analyzerproto.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerproto.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerproto.EnforcementLevel.DISABLED]: "disabled",
  [analyzerproto.EnforcementLevel.REMEDIATE]: "remediate",
};
const enforcementValues: Record<EnforcementLevel, number> = {
  advisory: analyzerproto.EnforcementLevel.ADVISORY,
  mandatory: analyzerproto.EnforcementLevel.MANDATORY,
  disabled: analyzerproto.EnforcementLevel.DISABLED,
  remediate: analyzerproto.EnforcementLevel.REMEDIATE,
};
const severityNames: Record<number, Severity> = {
  [analyzerproto.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: "",
  [analyzerproto.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
  [analyzerproto.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
  [analyzerproto.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
  [analyzerproto.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

const maxMessage = 400 * 1024 * 1024;

// Field numbers of pulumi/analyzer.proto: `properties` of AnalyzeRequest and AnalyzerResource,
// `resources` of AnalyzeStackRequest. The properties are written by encodeStruct after the other
// fields (protobuf readers take fields in any order), without a Struct message per resource.
const propertiesField = 2;
const stackResourcesField = 1;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function unary<Req, Res>(
  fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function toStruct(value: Record<string, unknown>): structproto.Struct {
  return structproto.Struct.fromJavaScript(value as Record<string, structproto.JavaScriptValue>);
}

function buildOptions(options: AnalyzerOptions | undefined): analyzerproto.AnalyzerResourceOptions {
  const o = new analyzerproto.AnalyzerResourceOptions();
  if (!options) return o;
  o.setProtect(options.protect ?? false);
  o.setIgnorechangesList([...(options.ignoreChanges ?? [])]);
  if (options.deleteBeforeReplace !== undefined) {
    o.setDeletebeforereplace(options.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(true);
  }
  o.setAdditionalsecretoutputsList([...(options.additionalSecretOutputs ?? [])]);
  o.setAliasesList([...(options.aliases ?? [])]);
  if (options.customTimeouts) {
    const t = new analyzerproto.AnalyzerResourceOptions.CustomTimeouts();
    t.setCreate(options.customTimeouts.create ?? 0);
    t.setUpdate(options.customTimeouts.update ?? 0);
    t.setDelete(options.customTimeouts.delete ?? 0);
    o.setCustomtimeouts(t);
  }
  if (options.parent) o.setParent(options.parent);
  return o;
}

function buildProvider(provider: AnalyzerProvider): analyzerproto.AnalyzerProviderResource {
  const p = new analyzerproto.AnalyzerProviderResource();
  p.setType(provider.type);
  p.setName(provider.name);
  p.setUrn(provider.urn);
  p.setProperties(toStruct(provider.properties));
  return p;
}

/**
 * The pack sends `description + "\n" + message` for a string violation (as the CLI prints it);
 * keep the policy's own sentence only.
 */
function violationMessage(message: string, description: string): string {
  return description && message.startsWith(`${description}\n`) ? message.slice(description.length + 1) : message;
}

function readDiagnostics(list: readonly analyzerproto.AnalyzeDiagnostic[], fallbackUrn: string): Diagnostic[] {
  return list.map((d) => ({
    policyName: d.getPolicyname(),
    policyPackName: d.getPolicypackname(),
    message: violationMessage(d.getMessage(), d.getDescription()),
    description: d.getDescription(),
    enforcementLevel: enforcementNames[d.getEnforcementlevel()] ?? "advisory",
    severity: severityNames[d.getSeverity()] ?? "",
    urn: d.getUrn() || fallbackUrn,
  }));
}

/**
 * An `AnalyzeResponse` as read off the wire: the diagnostics decoded, the not-applicable entries
 * kept as bytes. The server lists every policy that did not apply (about 170 of the pack's 181
 * for each resource); decoding them all was the largest part of this process's CPU in a preview,
 * and only routing reads them (the probes), so they are decoded when read.
 */
export interface WireAnalyzeResponse {
  readonly diagnostics: analyzerproto.AnalyzeDiagnostic[];
  readonly notApplicable: Uint8Array[];
}

// Field numbers of pulumirpc.AnalyzeResponse (pulumi/proto/pulumi/analyzer.proto).
const diagnosticsField = 2;
const notApplicableField = 3;

export function readAnalyzeResponse(bytes: Uint8Array): WireAnalyzeResponse {
  const scan = new WireScanner(bytes);
  const out: WireAnalyzeResponse = { diagnostics: [], notApplicable: [] };
  while (!scan.done) {
    const tag = scan.varint();
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (type === wireType.endGroup) break;
    if (field === diagnosticsField && type === wireType.delimited) {
      out.diagnostics.push(analyzerproto.AnalyzeDiagnostic.deserializeBinary(scan.delimited()));
    } else if (field === notApplicableField && type === wireType.delimited) {
      out.notApplicable.push(scan.delimited());
    } else {
      scan.skip(type, field);
    }
  }
  return out;
}

export function analyzeResult(resp: WireAnalyzeResponse, fallbackUrn: string): AnalyzeResult {
  let notApplicable: AnalyzeResult["notApplicable"] | undefined;
  return {
    diagnostics: readDiagnostics(resp.diagnostics, fallbackUrn),
    get notApplicable() {
      notApplicable ??= resp.notApplicable.map((bytes) => {
        const n = analyzerproto.PolicyNotApplicable.deserializeBinary(bytes);
        return { policyName: n.getPolicyName(), reason: n.getReason() };
      });
      return notApplicable;
    },
  };
}

/** What `Analyze` or `AnalyzeStack` answered: the violations, and the policies that did not apply. */
export interface AnalyzeResult {
  readonly diagnostics: Diagnostic[];
  readonly notApplicable: readonly { readonly policyName: string; readonly reason: string }[];
}

/** An `AnalyzeStackRequest` in its wire form, made by `encodeStack`. */
export interface EncodedStack {
  readonly buffer: Buffer;
}

/** The fields `AnalyzeRequest` and `AnalyzerResource` share, but for the properties. */
interface ResourceMessage {
  setType(value: string): unknown;
  setName(value: string): unknown;
  setUrn(value: string): unknown;
  setOptions(value: analyzerproto.AnalyzerResourceOptions): unknown;
  setProvider(value: analyzerproto.AnalyzerProviderResource): unknown;
}

function setResource(message: ResourceMessage, resource: AnalyzeInput): void {
  message.setType(resource.type);
  message.setName(resource.name);
  message.setUrn(resource.urn);
  // The pack refuses requests without options ("A more recent version of the Pulumi CLI is required").
  message.setOptions(buildOptions(resource.options));
  if (resource.provider) message.setProvider(buildProvider(resource.provider));
}

/** The wire form of an `AnalyzeRequest` for the resource, as the engine sends it. */
export function encodeAnalyzeRequest(resource: AnalyzeInput): Buffer {
  const req = new analyzerproto.AnalyzeRequest();
  setResource(req, resource);
  const writer = new BinaryWriter();
  analyzerproto.AnalyzeRequest.serializeBinaryToWriter(req, writer);
  writer.writeBytes(propertiesField, encodeStruct(resource.properties));
  return toBuffer(writer.getResultBuffer());
}

/** Encodes the stack for `AnalyzeStack` once, as the engine would send it. */
export function encodeStack(resources: readonly AnalyzeStackInput[]): EncodedStack {
  const writer = new BinaryWriter();
  for (const r of resources) {
    const ar = new analyzerproto.AnalyzerResource();
    setResource(ar, r);
    if (r.parent) ar.setParent(r.parent);
    ar.setDependenciesList([...(r.dependencies ?? [])]);
    const deps = ar.getPropertydependenciesMap();
    for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
      const pd = new analyzerproto.AnalyzerPropertyDependencies();
      pd.setUrnsList([...urns]);
      deps.set(prop, pd);
    }
    writer.writeMessage(stackResourcesField, ar, (m: analyzerproto.AnalyzerResource, w: BinaryWriter) => {
      analyzerproto.AnalyzerResource.serializeBinaryToWriter(m, w);
      w.writeBytes(propertiesField, encodeStruct(r.properties));
    });
  }
  return { buffer: toBuffer(writer.getResultBuffer()) };
}

export interface PackStartOptions {
  readonly timeoutMs?: number;
  readonly nodePath?: string;
  /** Variables added to the pack process's environment (tests start the server in another mode). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A running policy pack. Always `close()` it; the process is killed then. */
export class PolicyPackClient {
  private constructor(
    private readonly child: ChildProcess,
    private readonly engine: grpc.Server,
    private readonly client: analyzerrpc.AnalyzerClient,
    private readonly stderr: () => string,
    readonly logs: string[],
  ) {}

  /**
   * Starts the pack in `packDir` (a folder with PulumiPolicy.yaml) and connects to it. Rejects
   * with PolicyPackError, carrying the pack's stderr, when it exits or stays silent.
   */
  static async start(packDir: string, opts: PackStartOptions = {}): Promise<PolicyPackClient> {
    const logs: string[] = [];
    const engine = new grpc.Server();
    engine.addService(enginerpc.EngineService, {
      log: (call: grpc.ServerUnaryCall<engineproto.LogRequest, emptyproto.Empty>, cb: grpc.sendUnaryData<emptyproto.Empty>) => {
        logs.push(call.request.getMessage());
        cb(null, new emptyproto.Empty());
      },
    });
    const enginePort = await new Promise<number>((resolve, reject) =>
      engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    const child = spawn(opts.nodePath ?? process.execPath, [...sdkPreloadFlags, runner, `127.0.0.1:${enginePort}`, "."], {
      cwd: path.resolve(packDir),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PULUMI_NODEJS_SKIP_VERSION_CHECK: "1", ...opts.env },
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(
          () => reject(new PolicyPackError(`policy pack in ${packDir} did not report its port within ${timeoutMs} ms`)),
          timeoutMs,
        );
        child.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          const line = out.split("\n").find((l) => /^\d+$/.test(l.trim()));
          if (line) {
            clearTimeout(timer);
            resolve(Number(line.trim()));
          }
        });
        child.on("exit", (code) => {
          clearTimeout(timer);
          reject(new PolicyPackError(`policy pack in ${packDir} exited with code ${code}: ${(logs.join("\n") + "\n" + stderr).trim()}`));
        });
        child.on("error", (err) => {
          clearTimeout(timer);
          reject(new PolicyPackError(`policy pack in ${packDir} could not start: ${err.message}`, { cause: err }));
        });
      });
      const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": maxMessage,
        "grpc.max_send_message_length": maxMessage,
      });
      return new PolicyPackClient(child, engine, client, () => stderr, logs);
    } catch (err) {
      child.kill();
      engine.forceShutdown();
      throw err;
    }
  }

  async info(): Promise<PackInfo> {
    const resp = await unary<emptyproto.Empty, analyzerproto.AnalyzerInfo>(
      (r, cb) => this.client.getAnalyzerInfo(r, cb),
      new emptyproto.Empty(),
    );
    return {
      name: resp.getName(),
      version: resp.getVersion(),
      policies: resp.getPoliciesList().map((p) => {
        const fw = p.getFramework();
        const schema = p.getConfigschema();
        const type = p.getPolicyType();
        return {
          name: p.getName(),
          description: p.getDescription(),
          enforcementLevel: enforcementNames[p.getEnforcementlevel()] ?? "advisory",
          policyType:
            type === analyzerproto.PolicyType.POLICY_TYPE_RESOURCE
              ? "resource"
              : type === analyzerproto.PolicyType.POLICY_TYPE_STACK
                ? "stack"
                : "unknown",
          severity: severityNames[p.getSeverity()] ?? "",
          framework: fw
            ? { name: fw.getName(), version: fw.getVersion(), reference: fw.getReference(), specification: fw.getSpecification() }
            : undefined,
          tags: p.getTagsList(),
          remediationSteps: p.getRemediationSteps(),
          configSchema: schema
            ? {
                properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                required: schema.getRequiredList(),
              }
            : undefined,
        } satisfies PolicyInfo;
      }),
    };
  }

  /** Sends the validated per-policy config (the engine's `Configure`). */
  async configure(config: ResolvedPolicyConfig): Promise<void> {
    const req = new analyzerproto.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const [name, c] of Object.entries(config)) {
      const pc = new analyzerproto.PolicyConfig();
      if (c.enforcementLevel) pc.setEnforcementlevel(enforcementValues[c.enforcementLevel]);
      pc.setProperties(toStruct(c.properties ?? {}));
      map.set(name, pc);
    }
    await unary<analyzerproto.ConfigureAnalyzerRequest, emptyproto.Empty>((r, cb) => this.client.configure(r, cb), req);
  }

  async analyze(resource: AnalyzeInput): Promise<Diagnostic[]> {
    return (await this.analyzeWithApplicability(resource)).diagnostics;
  }

  /** `Analyze`, with the policies the pack reported as not applicable to the resource and why. */
  async analyzeWithApplicability(resource: AnalyzeInput): Promise<AnalyzeResult> {
    return analyzeResult(await this.call("Analyze", encodeAnalyzeRequest(resource)), resource.urn);
  }

  async analyzeStack(resources: readonly AnalyzeStackInput[]): Promise<Diagnostic[]> {
    return (await this.analyzeEncodedStack(encodeStack(resources))).diagnostics;
  }

  /**
   * `AnalyzeStack` with a request encoded once by `encodeStack` (several pack processes, each
   * with a share of the stack policies, get the same bytes), with the policies not applicable.
   */
  async analyzeEncodedStack(request: EncodedStack): Promise<AnalyzeResult> {
    return analyzeResult(await this.call("AnalyzeStack", request.buffer), "");
  }

  /** A unary analyzer call whose request is already encoded. */
  private call(method: "Analyze" | "AnalyzeStack", bytes: Buffer): Promise<WireAnalyzeResponse> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, WireAnalyzeResponse>(
        `/pulumirpc.Analyzer/${method}`,
        (b) => b,
        (buf) => readAnalyzeResponse(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)),
        bytes,
        (err, res) => (err || !res ? reject(err ?? new PolicyPackError(`${method} returned no answer`)) : resolve(res)),
      );
    });
  }

  /** Text the pack wrote to stderr so far (for error reports). */
  stderrText(): string {
    return this.stderr();
  }

  close(): void {
    this.client.close();
    this.child.kill();
    this.engine.forceShutdown();
  }
}
