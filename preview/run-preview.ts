import * as path from "node:path";
import { analyzeInput, defaultProvider, defaultProviderPackage, defaultProviders } from "./analyze-input";
import { EarlyJudging } from "./early-judging";
import type { PreviewOptions, PreviewResult } from "./engine";
import { loadProgramSource, startProgramHost, type ProgramSource } from "./run-program";

/**
 * The offline preview, end to end: the program on the mocks, the pack judging each resource as
 * the program registers it (EarlyJudging), then the rest and the stack (`judge`).
 *
 * The program is the longest part, so it is started first, before this process loads the
 * engine (gRPC, the Pulumi protos: a tenth of a second or more): only ./run-program and the
 * modules above are loaded until it has been forked.
 */
export async function runPreview(options: PreviewOptions): Promise<PreviewResult> {
  // The host loads the SDK while the stack's config is read here.
  const host = startProgramHost();
  let source: ProgramSource;
  try {
    source = loadProgramSource(options.projectDir, options.stack);
    if (options.programDir) {
      const own = loadProgramSource(options.programDir, options.stack);
      source = { ...own, programDir: path.resolve(options.programDir) };
    }
  } catch (err) {
    host.close();
    throw err;
  }
  const early = new EarlyJudging(options.concurrency ?? 256);
  const programPromise = host.run(source, {
    onRegistered: (r) => {
      const pkg = defaultProviderPackage(r);
      early.add(analyzeInput(r, pkg === undefined ? undefined : defaultProvider(pkg, source)));
    },
  });
  // The pack starts while the program runs; each spends most of its start loading SDKs.
  const packPromise = import("./engine").then(async (engine) => {
    const started = await engine.startConfiguredPack(options.policyPackDir, options.policyConfigFile);
    early.start(started.client);
    return { engine, ...started };
  });
  const [packResult, programResult] = await Promise.allSettled([packPromise, programPromise]);
  const judged = await early.settle();
  if (packResult.status === "fulfilled" && programResult.status === "rejected") packResult.value.client.close();
  if (programResult.status === "rejected") throw programResult.reason;
  if (packResult.status === "rejected") throw packResult.reason;
  const { engine, client, pack, config } = packResult.value;
  const records = programResult.value;
  const clients = [client];
  try {
    // A big stack pays for a second pack process (the work is dealt over both, preview/routing.ts).
    // A small one does not: the start costs more than it saves.
    if (records.length >= engine.bigStack) {
      clients.push((await engine.startConfiguredPack(options.policyPackDir, options.policyConfigFile)).client);
    }
    const violations = await engine.judge(clients, pack, records, defaultProviders(records, source), {
      concurrency: options.concurrency,
      config,
      judged,
    });
    return {
      project: source.project,
      stack: source.stack,
      pack,
      resources: records.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, custom: r.custom })),
      violations,
      mandatoryCount: violations.filter((v) => v.enforcementLevel === "mandatory").length,
    };
  } finally {
    for (const c of clients) c.close();
  }
}
