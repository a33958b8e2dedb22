import { expect, it } from "vitest";
import type { Violation } from "../../preview/engine";

/** A default relaxed through an argument and the policy that must catch it, or why none needs to. */
export type Relaxation<A> = readonly [Partial<A>, string] | string;

/**
 * One test per relaxation of a component's defaults table: the component built with the
 * override has a mandatory violation of the named policy. Entries that give a reason instead
 * (validated, stricter, naming) register no test.
 */
export function itCatchesEachRelaxation<A>(relaxations: Readonly<Record<string, Relaxation<A>>>, judgeWith: (override: Partial<A>) => Promise<readonly Violation[]>): void {
  for (const [key, relaxation] of Object.entries(relaxations)) {
    if (typeof relaxation === "string") continue;
    const [override, policy] = relaxation;
    it(`is caught by ${policy} (${key})`, async () => {
      const violations = await judgeWith(override);
      expect(violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName)).toContain(policy);
    });
  }
}
