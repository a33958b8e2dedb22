/**
 * Child process that runs one Pulumi program on the offline mocks and sends back what it
 * registered. Started by `runProgram` with an IPC channel; loaded through tsx so the program can
 * be TypeScript. One program per process: Pulumi's runtime state is process-global.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createOfflineMocks } from "./mocks";
import { installRecordingMocks } from "./recorder";
import type { ProgramHostReply, ProgramHostRequest } from "./program-protocol";
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

async function host(request: ProgramHostRequest): Promise<void> {
  const programDir = path.resolve(request.programDir);
  process.on("unhandledRejection", (err) => void fail(err));
  process.on("uncaughtException", (err) => void fail(err));

  const recorded = await installRecordingMocks(
    createOfflineMocks(undefined, request.project, request.stack),
    request.project,
    request.stack,
    true,
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
  await send({ kind: "result", resources: recorded });
  process.exit(0);
}

const raw = process.env["SECURE_MLOPS_PROGRAM_REQUEST"];
if (raw === undefined) {
  process.stderr.write("program-host: SECURE_MLOPS_PROGRAM_REQUEST is not set\n");
  process.exit(2);
}
void host(JSON.parse(raw) as ProgramHostRequest);
