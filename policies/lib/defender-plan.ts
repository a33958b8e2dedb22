import type { PolicyResource, StackValidation } from "@pulumi/policy";
import { stackOfTypes } from "./types";
import { sameEnum } from "./values";
import { knobsOf } from "./config";

/** The config knob every "Defender plan present" policy has. */
export const managedOutsideStackSchema = {
  properties: {
    managedOutsideStack: {
      type: "boolean" as const,
      default: false,
      description: "The subscription's Defender plans are managed by another stack (landing zone).",
    },
  },
};

/**
 * The stack check shared by the Defender plan policies: when the stack creates a resource of
 * `types`, it must also create the subscription's `plan` pricing at the Standard tier (unless
 * the config says a landing zone owns the plans). Each such resource gets its own violation.
 */
export function defenderPlanPresent(
  plan: string,
  types: readonly string[],
  message: (resource: PolicyResource) => string,
): StackValidation {
  return stackOfTypes(types, (args, report) => {
    const { managedOutsideStack } = knobsOf<{ managedOutsideStack: boolean }>({ name: plan, configSchema: managedOutsideStackSchema }, args);
    if (managedOutsideStack) return;
    const needing = args.resources.filter((r) => types.includes(r.type));
    if (needing.length === 0) return;
    const enabled = args.resources.some(
      (r) =>
        r.type === "azure-native:security:Pricing" &&
        // The input is `pricingName`; the engine's outputs carry the same value as `name`.
        sameEnum(r.props["pricingName"] ?? r.props["name"], plan) &&
        sameEnum(r.props["pricingTier"], "Standard"),
    );
    if (enabled) return;
    for (const r of needing) report(message(r), r.urn);
  });
}
