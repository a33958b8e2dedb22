import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { github } from "./lib/type-tokens";
import { githubMapped } from "./lib/github-controls";
import { anyOfTypes } from "./lib/types";

// Rulesets are judged as protection layers by the branch policies (github-branches.ts); this
// policy refuses the one state in which a ruleset protects nothing while looking as if it did.

export const rulesetActive: ResourceValidationPolicy = {
  name: "github-ruleset-enforcement-active",
  description: "Branch rulesets must be active: a disabled or evaluate-only ruleset looks like protection and enforces nothing.",
  severity: "high",
  remediationSteps: "Set `enforcement: \"active\"` on the ruleset (use `evaluate` only in a dev policy config while trying rules out).",
  ...githubMapped({
    atlas: ["AML.M0005"],
    nist: ["GOVERN-1.4", "MEASURE-2.7"],
    legitify: ["missing_default_branch_protection"],
    tags: ["github", "branch-protection"],
  }),
  validateResource: anyOfTypes([
    validateResourceOfType(github.RepositoryRuleset, (ruleset, _args, report) => {
      if (ruleset.target === "branch" && ruleset.enforcement !== "active") {
        report(`The ruleset must be active (its enforcement is '${String(ruleset.enforcement)}').`);
      }
    }),
    validateResourceOfType(github.OrganizationRuleset, (ruleset, _args, report) => {
      if (ruleset.target === "branch" && ruleset.enforcement !== "active") {
        report(`The organization ruleset must be active (its enforcement is '${String(ruleset.enforcement)}').`);
      }
    }),
  ]),
};

export const githubRulesetPolicies = [rulesetActive] as const;
