import * as pulumi from "@pulumi/pulumi";
import type * as resproto from "@pulumi/pulumi/proto/resource_pb";
import type * as structproto from "google-protobuf/google/protobuf/struct_pb";
import type { AnalyzerOptions } from "./pack-client";

/**
 * Records what a Pulumi program registers, as the engine receives it: the RegisterResource
 * request (type, name, parent, inputs in wire format, dependencies, provider reference, options)
 * and the state the mocks answered with.
 */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent?: string;
  readonly id?: string;
  /** Inputs in Pulumi's wire format (secrets and unknowns as sentinel objects). */
  readonly inputs: Record<string, unknown>;
  /** Outputs in wire format (for components, what `registerOutputs` recorded). */
  outputs: Record<string, unknown>;
  readonly dependencies: readonly string[];
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** Provider reference `<provider urn>::<id>` when the program set one explicitly. */
  readonly provider?: string;
  readonly options: AnalyzerOptions;
}

type Callback<T> = (err: Error | null, resp?: T) => void;

interface MockMonitorLike {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: resproto.RegisterResourceRequest, cb: Callback<resproto.RegisterResourceResponse>): Promise<void>;
  readResource(req: resproto.ReadResourceRequest, cb: Callback<resproto.ReadResourceResponse>): Promise<void>;
  registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, cb: Callback<unknown>): void;
}

function structToJs(s: structproto.Struct | undefined): Record<string, unknown> {
  return (s?.toJavaScript() ?? {}) as Record<string, unknown>;
}

function timeoutSeconds(text: string): number | undefined {
  // Pulumi sends custom timeouts as Go durations ("10m", "1h30m"); analyzers get seconds.
  if (!text) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)) {
    const n = Number(m[1]);
    total += m[2] === "h" ? n * 3600 : m[2] === "m" ? n * 60 : m[2] === "s" ? n : n / 1000;
  }
  return total;
}

function recordRequest(req: resproto.RegisterResourceRequest, resp: resproto.RegisterResourceResponse): RecordedResource {
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps, key) => {
    propertyDependencies[key] = deps.getUrnsList();
  });
  const timeouts = req.getCustomtimeouts();
  const aliases = req.getAliasesList().map((a) => a.getUrn()).filter((u) => u.length > 0);
  return {
    urn: resp.getUrn(),
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent: req.getParent() || undefined,
    id: resp.getId() || undefined,
    inputs: structToJs(req.getObject()),
    outputs: structToJs(resp.getObject()),
    dependencies: req.getDependenciesList(),
    propertyDependencies,
    provider: req.getProvider() || undefined,
    options: {
      parent: req.getParent() || undefined,
      protect: req.getProtect(),
      ignoreChanges: req.getIgnorechangesList(),
      deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      aliases: [...aliases, ...req.getAliasurnsList()],
      customTimeouts: timeouts
        ? {
            create: timeoutSeconds(timeouts.getCreate()),
            update: timeoutSeconds(timeouts.getUpdate()),
            delete: timeoutSeconds(timeouts.getDelete()),
          }
        : undefined,
    },
  };
}

/**
 * Installs `mocks` as Pulumi's runtime (like `pulumi.runtime.setMocks`) and records every
 * registration into the returned array, in registration order. `onRecord` sees each record as
 * it is made (the preview judges it meanwhile); a component's outputs are filled in later, when
 * the program registers them, and only in the array.
 */
export async function installRecordingMocks(
  mocks: pulumi.runtime.Mocks,
  project: string,
  stack: string,
  preview = true,
  onRecord?: (resource: RecordedResource) => void,
): Promise<RecordedResource[]> {
  const recorded: RecordedResource[] = [];
  const byUrn = new Map<string, RecordedResource>();
  await pulumi.runtime.setMocks(mocks, project, stack, preview);
  // setMocks keeps its monitor in the runtime settings; wrap that instance's RPC handlers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of @pulumi/pulumi, no typed entry
  const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown };
  const monitor = settings.getMonitor() as MockMonitorLike;
  // The mock monitor qualifies a child's type with its parent's last type only; the engine uses
  // the parent's whole qualified type (and none for children of the root stack).
  monitor.newUrn = (parent, type, name) => {
    const parentType = parent ? (parent.split("::")[2] ?? "") : "";
    const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      if (!err && resp) {
        const r = recordRequest(req, resp);
        recorded.push(r);
        byUrn.set(r.urn, r);
        onRecord?.(r);
      }
      cb(err, resp);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const r = byUrn.get(req.getUrn());
    if (r) r.outputs = structToJs(req.getOutputs());
    registerOutputs(req, cb);
  };
  return recorded;
}

/** Resolves when every registration the program started has been answered. */
export async function waitForRegistrations(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of @pulumi/pulumi, no typed entry
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
}
