import { validateResourceOfType, type ResourceValidationArgs, type StackValidationArgs } from "@pulumi/policy";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as storage from "@pulumi/azure-native/storage";
import { describe, expect, it } from "vitest";
import { anyOfTypes, notApplicableReason, stackOfTypes } from "../../policies/lib/types";

// The pack's multi-type helpers report "not applicable" as the SDK does (by throwing what
// args.notApplicable throws, with the SDK's form of reason), without paying for a stack trace.

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const args = (type: string): ResourceValidationArgs =>
  ({
    type,
    props: {},
    urn: `urn:pulumi:s::p::${type}::r`,
    name: "r",
    isType: (cls: { __pulumiType?: string }) => (cls as { __pulumiType?: string }).__pulumiType === type,
    asType: () => ({}),
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason ?? "");
    },
  }) as unknown as ResourceValidationArgs;

function thrown(fn: () => unknown): NotApplicable {
  try {
    fn();
  } catch (err) {
    return err as NotApplicable;
  }
  throw new Error("nothing was thrown");
}

describe("anyOfTypes", () => {
  it("lists its types on the function, in order, for the patched server's not-applicable check", () => {
    const v = anyOfTypes([validateResourceOfType(storage.StorageAccount, () => undefined), validateResourceOfType(containerregistry.Registry, () => undefined)]);
    expect((v as { __pulumiTypes?: unknown }).__pulumiTypes).toEqual(["azure-native:storage:StorageAccount", "azure-native:containerregistry:Registry"]);
  });

  const types = ["azure-native:containerregistry:Registry", "azure-native:storage:StorageAccount"];
  const seen: string[] = [];
  const validation = anyOfTypes([
    validateResourceOfType(containerregistry.Registry, () => void seen.push("registry")),
    validateResourceOfType(storage.StorageAccount, () => void seen.push("storage")),
  ]);

  it("calls the validation of the resource's type only", async () => {
    await validation(args(types[1] as string), () => undefined);
    expect(seen).toEqual(["storage"]);
  });

  it("says not applicable to another type with the SDK's reason, with no stack trace, and leaves the trace limit as it was", () => {
    const before = Error.stackTraceLimit;
    const err = thrown(() => validation(args("azure-native:keyvault:Vault"), () => undefined));
    expect(err).toBeInstanceOf(NotApplicable);
    expect(err.reason).toBe(notApplicableReason(types));
    expect(err.reason).toBe("Policy only applies to resources of type 'azure-native:containerregistry:Registry' or 'azure-native:storage:StorageAccount'");
    expect(err.stack ?? "").not.toContain("    at ");
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("x").stack).toContain("    at ");
  });
});

describe("stackOfTypes", () => {
  it("says not applicable to a stack without any of its types, and runs on one with them", async () => {
    let ran = 0;
    const validation = stackOfTypes(["azure-native:storage:StorageAccount"], () => void ran++);
    const stack = (types: string[]): StackValidationArgs =>
      ({ resources: types.map((type) => ({ type })), notApplicable: args("x").notApplicable }) as unknown as StackValidationArgs;
    const err = thrown(() => validation(stack(["azure-native:keyvault:Vault"]), () => undefined));
    expect(err.reason).toBe("Policy only applies to resources of type 'azure-native:storage:StorageAccount'");
    expect(ran).toBe(0);
    await validation(stack(["azure-native:storage:StorageAccount"]), () => undefined);
    expect(ran).toBe(1);
  });
});
