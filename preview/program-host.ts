/**
 * Child process that runs one Pulumi program on the offline mocks and sends back what it
 * registered. Started by `runProgram` with an IPC channel; loaded through tsx so the program can
 * be TypeScript. One program per process: Pulumi's runtime state is process-global.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createOfflineMocks } from "./mocks";
import { installRecordingMocks, type RecordedResource } from "./recorder";
import type { ProgramHostReply, ProgramHostRequest, ProgramHostRun } from "./program-protocol";
import { locateError } from "./program-protocol";

function send(reply: ProgramHostReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(JSON.stringify(reply) + "\n");
      resolve();
      return;
    }
    process.send(reply, () => resolve());
  });
}

async function fail(err: unknown): Promise<never> {
  await send({ kind: "error", ...locateError(err) });
  process.exit(0);
}

/**
 * @pulumi/pulumi wraps each of its internal promises for its promise-leak check
 * (runtime/debuggable.js): it captures a stack trace, defines three properties, keeps the promise
 * in a set and chains two more promises to take it out again, for some 17,000 promises in the prod
 * stack. The check reports at exit; here the host's exit code and stderr are not read once it has
 * sent its result, so the check never reached anyone, and the bookkeeping was a sixth of this
 * process's CPU (node --cpu-prof: the traces), and a further 7% with the chained promises and
 * their garbage. Unless PULUMI_DEBUG_PROMISE_LEAKS is set (then everything stays as the SDK has
 * it), each promise is used as it is. Should the SDK stop exporting the function from that
 * module, nothing is changed.
 */
function skipPromiseLeakBookkeeping(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of @pulumi/pulumi, no typed entry
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debugPromiseLeaks?: unknown;
    debuggablePromise?: unknown;
  };
  if (debuggable.debugPromiseLeaks !== false || typeof debuggable.debuggablePromise !== "function") return;
  debuggable.debuggablePromise = <T>(promise: Promise<T>): Promise<T> => promise;
}

async function host(request: ProgramHostRequest): Promise<void> {
  const programDir = path.resolve(request.programDir);
  // Like `node --require tsx/cjs`: the host itself may already run under tsx (from sources).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- tsx registers its loader when required
  if (request.tsx) require("tsx/cjs");
  process.on("unhandledRejection", (err) => void fail(err));
  process.on("uncaughtException", (err) => void fail(err));

  // Each resource goes to the parent as it is registered, so the pack judges it while the
  // program goes on; the result then carries only the outputs that changed since.
  const sentOutputs = new Map<RecordedResource, Record<string, unknown>>();
  const recorded = await installRecordingMocks(
    createOfflineMocks(undefined, request.project, request.stack),
    request.project,
    request.stack,
    true,
    (resource) => {
      sentOutputs.set(resource, resource.outputs);
      void send({ kind: "registered", resource });
    },
  );
  pulumi.runtime.setAllConfig(request.config, request.secretKeys);
  // Programs may read files relative to their folder, as under `pulumi up`.
  process.chdir(programDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- eslint cannot see tsx's loader
  const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack") as {
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of @pulumi/pulumi
  const settings = require("@pulumi/pulumi/runtime/settings") as { disconnect(): Promise<void> };
  try {
    await runInPulumiStack(async () => {
      // Same contract as Pulumi's Node.js runner: the module's exports become stack outputs; an
      // exported function is called and its result awaited.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is loaded at run time
      const exported: unknown = require(programDir);
      return typeof exported === "function" ? await (exported as () => unknown)() : exported;
    });
    await settings.disconnect();
  } catch (err) {
    await fail(err);
  }
  const outputs: Record<number, Record<string, unknown>> = {};
  recorded.forEach((r, i) => {
    if (r.outputs !== sentOutputs.get(r)) outputs[i] = r.outputs;
  });
  await send({ kind: "result", count: recorded.length, outputs });
  process.exit(0);
}

skipPromiseLeakBookkeeping();
const raw = process.env["SECURE_MLOPS_PROGRAM_REQUEST"];
if (raw !== undefined) {
  void host(JSON.parse(raw) as ProgramHostRequest);
} else if (process.send) {
  // Started before the parent had read the stack's config: the SDK above is loaded meanwhile,
  // and the program comes in the first message.
  process.once("message", (m: ProgramHostRun) => void host(m.request));
} else {
  process.stderr.write("program-host: neither SECURE_MLOPS_PROGRAM_REQUEST nor an IPC channel to receive the program\n");
  process.exit(2);
}
