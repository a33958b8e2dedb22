import type { ResourceValidation, ResourceValidationArgs, ReportViolation, StackValidation } from "@pulumi/policy";

/**
 * One validation for a policy that covers several resource types, built from one
 * `validateResourceOfType` per type. Given as an array instead, the pack would deserialize the
 * resource and throw a "not applicable" error once per entry for every resource of the stack;
 * this calls only the entry whose type matches, and reports any other type not applicable once.
 */
export function anyOfTypes(validations: readonly ResourceValidation[]): ResourceValidation {
  const byType = new Map<string, ResourceValidation>();
  for (const v of validations) {
    // validateResourceOfType records the class's type token on the function it returns.
    const token = (v as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token !== "string") throw new Error("anyOfTypes takes validations made by validateResourceOfType");
    byType.set(token, v);
  }
  const types = [...byType.keys()];
  const reason = notApplicableReason(types);
  const validation = (args: ResourceValidationArgs, report: ReportViolation) => {
    const validate = byType.get(args.type);
    // Reported like the SDK reports a single-type policy on another type, so the engine lists the
    // policy as not applicable (not as passed) and the offline preview can learn which types it covers.
    if (validate === undefined) notApplicable(args, reason);
    return validate(args, report);
  };
  // The types, as `validateResourceOfType` records its one: this repository's patch of the
  // server (patches/) then answers "not applicable", with the same reason, without calling the
  // function for a resource of another type; the published server ignores it and calls it.
  return Object.assign(validation, { __pulumiTypes: types });
}

/**
 * `args.notApplicable(reason)`, without a stack trace. The SDK says "not applicable" by throwing
 * an Error subclass, whose stack V8 captures and the server never reads (only the reason): for a
 * multi-type policy, once per resource of every other type, that capture was a twentieth of the
 * pack's CPU time in a preview of the prod stack (node --cpu-prof).
 */
function notApplicable(args: { notApplicable(reason?: string): never }, reason: string): never {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return args.notApplicable(reason);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * The reason `@pulumi/policy` gives when a policy bound to one type meets another
 * ("Policy only applies to resources of type 'T'"), extended to several types. The offline
 * preview reads a reason of this form as "depends on the type alone" (preview/routing.ts).
 */
export function notApplicableReason(types: readonly string[]): string {
  return `Policy only applies to resources of type ${types.map((t) => `'${t}'`).join(" or ")}`;
}

/**
 * A stack validation that can only report when the stack has a resource of one of `types` (for
 * most, the types it walks to find what to report). Without one it reports itself not applicable, with the
 * same form of reason, before reading any property: the engine lists it as not applicable, and
 * the offline preview leaves it out of big stacks (preview/routing.ts). `types` must be a
 * condition of every report the validation can make, or it would go silent on a stack it should judge.
 */
export function stackOfTypes(types: readonly string[], validate: StackValidation): StackValidation {
  const wanted = new Set(types);
  const reason = notApplicableReason(types);
  return (args, report) => {
    if (!args.resources.some((r) => wanted.has(r.type))) notApplicable(args, reason);
    return validate(args, report);
  };
}
