import { bigStack, judge, startConfiguredPack, type PreviewResult, type Violation } from "./engine";
import { readStackExport, redactSecrets } from "./stack-export";

/**
 * `secure-mlops audit --state FILE`: judges a deployed stack, the JSON of `pulumi stack export`,
 * with the same pack over the same analyzer protocol as the preview (preview/engine.ts `judge`),
 * so a setting changed after deployment is a violation of the deployed resource.
 */

export interface AuditOptions {
  /** The `pulumi stack export` file. */
  readonly stateFile: string;
  readonly policyPackDir: string;
  readonly policyConfigFile?: string;
  readonly concurrency?: number;
}

/** What `preview` returns, for the deployed stack; its messages carry no plaintext secret. */
export async function runAudit(options: AuditOptions): Promise<PreviewResult> {
  // The file first: a bad one fails in milliseconds, before the pack's seconds of start.
  const state = readStackExport(options.stateFile);
  const { client, pack, config } = await startConfiguredPack(options.policyPackDir, options.policyConfigFile);
  const clients = [client];
  try {
    if (state.resources.length >= bigStack) clients.push((await startConfiguredPack(options.policyPackDir, options.policyConfigFile)).client);
    const judged = await judge(clients, pack, state.resources, state.providers, { concurrency: options.concurrency, config });
    const violations: Violation[] = judged.map((v) => ({ ...v, message: redactSecrets(v.message, state.secretTexts) }));
    return {
      project: state.project,
      stack: state.stack,
      pack,
      resources: state.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, custom: r.custom })),
      violations,
      mandatoryCount: violations.filter((v) => v.enforcementLevel === "mandatory").length,
    };
  } finally {
    for (const c of clients) c.close();
  }
}
