import type { JSONSchemaType } from "ajv";
import { azurePolicyBuiltIns } from "../constants/azure-policy-builtins";

/**
 * The `secure-mlops:governance` stack setting: how the platform's Azure Policy assignments
 * (components/azure/governance-assignments.ts) bite in this environment, and its recorded
 * exemptions. Every key is optional; the environment profile (stacks/profiles.ts) gives the rest.
 */

/** An exemption as the stack file writes it: scoped to the assignment's own scope. */
export interface GovernanceExemptionConfig {
  readonly name: string;
  /** The key of the exempted assignment (constants/azure-policy-builtins.ts). */
  readonly assignment: string;
  readonly category?: "Waiver" | "Mitigated";
  /** ISO 8601 UTC, e.g. 2027-03-31T00:00:00Z. */
  readonly expiresOn: string;
  readonly reason: string;
  readonly policyDefinitionReferenceIds?: string[];
}

export interface GovernanceConfig {
  /** `audit` reports only; `enforce` denies where a definition allows and remediates. */
  readonly enforcement?: "audit" | "enforce";
  /** Assignments kept in audit under `enforce` (what the environment's pack config relaxes). */
  readonly auditOnly?: string[];
  /** Assignments a landing zone makes instead. */
  readonly exclude?: string[];
  readonly exemptions?: GovernanceExemptionConfig[];
}

const assignmentKeys = azurePolicyBuiltIns.map((b) => b.key);

export const governanceConfigSchema: JSONSchemaType<GovernanceConfig> = {
  type: "object",
  additionalProperties: false,
  required: [],
  properties: {
    enforcement: { type: "string", enum: ["audit", "enforce"], nullable: true },
    auditOnly: { type: "array", items: { type: "string", enum: assignmentKeys }, nullable: true },
    exclude: { type: "array", items: { type: "string", enum: assignmentKeys }, nullable: true },
    exemptions: {
      type: "array",
      nullable: true,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "assignment", "expiresOn", "reason"],
        properties: {
          name: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{0,62}$" },
          assignment: { type: "string", enum: assignmentKeys },
          category: { type: "string", enum: ["Waiver", "Mitigated"], nullable: true },
          expiresOn: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$" },
          reason: { type: "string", minLength: 20, maxLength: 1024 },
          policyDefinitionReferenceIds: { type: "array", items: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" }, minItems: 1, nullable: true },
        },
      },
    },
  },
};
