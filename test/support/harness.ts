import * as path from "node:path";
import { judge, startConfiguredPack, type Violation } from "../../preview/engine";
import { createOfflineMocks } from "../../preview/mocks";
import type { Diagnostic, PackInfo, PolicyPackClient } from "../../preview/pack-client";
import { resolvePolicyConfig } from "../../preview/policy-config";
import { installRecordingMocks, waitForRegistrations, type RecordedResource } from "../../preview/recorder";

/**
 * Test support: the real policy pack (policies/) in its own process over the analyzer protocol,
 * and the offline mocks recording a component's resources in-process. Tests judge through the
 * same code path as `secure-mlops preview`.
 */

export const repoRoot = path.resolve(__dirname, "..", "..");
export const policyPackDir = path.join(repoRoot, "policies");

export interface TestPack {
  readonly client: PolicyPackClient;
  readonly pack: PackInfo;
  /** Re-configures the pack (raw --policy-pack-config content); `{}` is the strict default. */
  configure(raw: Record<string, unknown>): Promise<void>;
  /** Judges one resource's inputs (plain values) with the resource policies. */
  analyze(type: string, props: Record<string, unknown>, name?: string): Promise<Diagnostic[]>;
  /** Judges recorded resources with resource and stack policies. */
  judge(records: readonly RecordedResource[]): Promise<Violation[]>;
  close(): void;
}

/** Starts the pack once per test file (`beforeAll`); close it in `afterAll`. */
export async function startTestPack(): Promise<TestPack> {
  const started = await startConfiguredPack(policyPackDir);
  const { client, pack } = started;
  // The config judge routes by and restores: the last one sent.
  let config = started.config;
  return {
    client,
    pack,
    configure: async (raw) => {
      config = resolvePolicyConfig(pack, raw);
      await client.configure(config);
    },
    analyze: (type, props, name = "subject") =>
      client.analyze({
        type,
        name,
        urn: `urn:pulumi:test::secure-mlops::${type}::${name}`,
        properties: props,
        options: {},
      }),
    judge: (records) => judge(client, pack, records, new Map(), { config }),
    close: () => client.close(),
  };
}

/** The messages of the diagnostics of one policy. */
export function messagesOf(diagnostics: readonly (Diagnostic | Violation)[], policyName: string): string[] {
  return diagnostics.filter((d) => d.policyName === policyName).map((d) => d.message);
}

let recorded: RecordedResource[] | undefined;

/**
 * Installs the offline mocks once per test file and returns the shared record list; call before
 * importing components (`await import(...)`), since static imports are hoisted above it.
 */
export async function recordWithOfflineMocks(stack = "test"): Promise<RecordedResource[]> {
  recorded ??= await installRecordingMocks(createOfflineMocks(undefined, "secure-mlops", stack), "secure-mlops", stack, true);
  return recorded;
}

/**
 * Runs `build` (which constructs components), waits until every registration is answered, and
 * returns the resources it added, plus their ancestors so stack policies see the whole tree.
 */
export async function record(build: () => unknown): Promise<RecordedResource[]> {
  const all = await recordWithOfflineMocks();
  const before = all.length;
  await build();
  await waitForRegistrations();
  return all.slice(before);
}

/** A hand-made recorded resource for stack-policy tests (outputs double as inputs). */
export function resourceRecord(
  type: string,
  name: string,
  props: Record<string, unknown>,
  propertyDependencies: Record<string, string[]> = {},
): RecordedResource {
  const urn = `urn:pulumi:test::secure-mlops::${type}::${name}`;
  return {
    urn,
    type,
    name,
    custom: true,
    id: `/subscriptions/6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg/providers/${type.split(":")[1]}/${name}`,
    inputs: props,
    outputs: props,
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
    options: {},
  };
}
