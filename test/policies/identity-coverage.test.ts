import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { authorizationPolicies } from "../../policies/authorization";
import { entraPolicies } from "../../policies/entra";
import { tagPrefix } from "../../policies/lib/frameworks";
import { idsWithPrefix } from "../../policies/lib/metadata";

describe("the identity policies", () => {
  it("are exactly these, all in the pack", () => {
    const names = [...authorizationPolicies, ...entraPolicies].map((p) => p.name);
    expect(names).toEqual([
      "azure-authorization-role-assignment-no-user-principal",
      "azure-authorization-role-assignment-privileged-scope",
      "azure-authorization-role-assignment-delegation-condition",
      "azure-authorization-role-definition-no-wildcard-actions",
      "azure-authorization-role-definition-no-authorization-write",
      "azuread-application-password-forbidden",
      "azuread-application-certificate-forbidden",
      "azuread-federated-credential-trusted-issuer",
      "azuread-federated-credential-exchange-audience",
      "azuread-federated-credential-pinned-subject",
      "azuread-federated-credential-writer-environment-subject",
      "azuread-application-federated-credential-limit",
      "azuread-group-security-enabled",
      "azuread-group-owner-present",
    ]);
    for (const name of names) expect(allPolicies.map((p) => p.name)).toContain(name);
  });
  it("cover the Entra/RBAC/OIDC rows of CONTROLS.md (Checkov CKV_AZURE_39 and CKV_AZURE_249)", () => {
    const covered = new Set(allPolicies.flatMap((p) => idsWithPrefix(p.tags, tagPrefix.checkov)));
    for (const id of ["CKV_AZURE_39", "CKV_AZURE_249"]) expect(covered, id).toContain(id);
  });
});
