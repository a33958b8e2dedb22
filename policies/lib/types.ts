import type { ResourceValidation, ResourceValidationArgs, ReportViolation } from "@pulumi/policy";

/**
 * One validation for a policy that covers several resource types, built from one
 * `validateResourceOfType` per type. Given as an array instead, the pack would deserialize the
 * resource and throw a "not applicable" error once per entry for every resource of the stack,
 * which made a 5,000-resource preview several times slower; this calls only the entry whose type
 * matches. A resource of another type simply passes (the engine shows it as not violating).
 */
export function anyOfTypes(validations: readonly ResourceValidation[]): ResourceValidation {
  const byType = new Map<string, ResourceValidation>();
  for (const v of validations) {
    // validateResourceOfType records the class's type token on the function it returns.
    const token = (v as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token !== "string") throw new Error("anyOfTypes takes validations made by validateResourceOfType");
    byType.set(token, v);
  }
  return (args: ResourceValidationArgs, report: ReportViolation) => byType.get(args.type)?.(args, report);
}
