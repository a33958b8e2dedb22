import { expect, it } from "vitest";
import type { Violation } from "../../preview/engine";

/** A default relaxed through an argument and the policy that must catch it, or why none needs to. */
export type Relaxation<A> = readonly [Partial<A>, string] | string;

export interface RelaxationOptions {
  /** The component's defaults table: one more test checks every key of it has an entry. */
  readonly defaults?: object;
  /** The named policy must be the only mandatory violation (not merely among them). */
  readonly only?: boolean;
}

/**
 * One test per relaxation of a component's defaults table: the component built with the
 * override has a mandatory violation of the named policy. Entries that give a reason instead
 * (validated, stricter, naming) register no test; a table with no relaxation at all is an error
 * when the tests are collected, so the loop cannot pass by checking nothing.
 */
export function itCatchesEachRelaxation<A>(
  relaxations: Readonly<Record<string, Relaxation<A>>>,
  judgeWith: (override: Partial<A>) => Promise<readonly Violation[]>,
  options: RelaxationOptions = {},
): void {
  const checked = Object.entries(relaxations).filter((e): e is [string, readonly [Partial<A>, string]] => typeof e[1] !== "string");
  if (checked.length === 0) throw new Error("itCatchesEachRelaxation: the table relaxes nothing");
  for (const [key, [override, policy]] of checked) {
    it(`is caught by ${policy} (${key})`, async () => {
      const mandatory = (await judgeWith(override)).filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName);
      if (options.only) expect(mandatory).toEqual([policy]);
      else expect(mandatory).toContain(policy);
    });
  }
  const defaults = options.defaults;
  if (defaults !== undefined) {
    it("lists every default", () => {
      expect(Object.keys(relaxations).sort()).toEqual(Object.keys(defaults).sort());
    });
  }
}
