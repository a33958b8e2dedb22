import { checker } from "../../lib/errors";
import { deliveryWorkflowDefaults, type DeliveryWorkflowOptions } from "../delivery-workflows";
import { validateProtectedEnvironmentArgs } from "../protected-environment";
import {
  branchPatternProblem,
  environmentNameProblem,
  ownerProblem,
  patternKey,
  repositoryNameProblem,
  shellSafeBranchPattern,
  teamProblem,
} from "../validation";
import {
  codeqlInterpretedLanguages,
  defaultBranchRules,
  defaultEnvironments,
  deploymentBranchesOf,
  maxApprovals,
  protectedRepositoryDefaults,
  protectedRepositoryType,
  type ProtectedRepositoryArgs,
} from "./args";

/** Words the delivery workflows write unquoted into YAML and shell lines: no quoting, no expansion. */
const plainWord = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/;

function validateDeliveryWorkflows(check: ReturnType<typeof checker>, given: Partial<DeliveryWorkflowOptions>): void {
  const o = { ...deliveryWorkflowDefaults, ...given };
  const plain = (value: unknown, at: string, what: string): void =>
    check(typeof value === "string" && plainWord.test(value) && !value.includes(".."), `deliveryWorkflows.${at}`, `must be ${what} of letters, digits, ".", "_", "/" and "-", got ${JSON.stringify(value)}`);
  check(o.stacks.length > 0, "deliveryWorkflows.stacks", "must name at least one stack to deploy");
  o.stacks.forEach((s, i) => {
    plain(s.stack, `stacks[${i}].stack`, "a stack name");
    plain(s.environment, `stacks[${i}].environment`, "an environment name");
    plain(s.branch, `stacks[${i}].branch`, "a branch name");
    plain(s.policyConfig, `stacks[${i}].policyConfig`, "a path");
  });
  const environments = o.stacks.map((s) => s.environment);
  check(new Set(o.stacks.map((s) => s.stack)).size === o.stacks.length, "deliveryWorkflows.stacks", "names a stack twice");
  check(new Set(environments).size === environments.length, "deliveryWorkflows.stacks", "names an environment twice");
  check(environments.includes(o.releaseEnvironment), "deliveryWorkflows.releaseEnvironment", `must be the environment of one of the stacks (${environments.join(", ")}), got "${o.releaseEnvironment}"`);
  check(o.privateRunner.length > 0, "deliveryWorkflows.privateRunner", "must give the labels of a runner inside the platform's network");
  o.privateRunner.forEach((label, i) => plain(label, `privateRunner[${i}]`, "a runner label"));
  plain(o.modelDir, "modelDir", "a path");
  plain(o.imageContext, "imageContext", "a path");
  plain(o.attestationPolicy, "attestationPolicy", "a path");
}

const actionPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.*/-]*(@[A-Za-z0-9_.*/-]+)?$/;
const codeOwnerHandle = /^(@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\/[A-Za-z0-9_.-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/**
 * Checks the arguments the component interprets itself; throws `ComponentArgumentError` naming
 * the first bad one. Exported so a stack can validate its config before building anything.
 */
export function validateProtectedRepositoryArgs(name: string, args: ProtectedRepositoryArgs): void {
  const check = checker(protectedRepositoryType);
  const d = protectedRepositoryDefaults;
  const owner = ownerProblem(args.owner);
  check(owner === undefined, "owner", owner ?? "");
  const repo = repositoryNameProblem(args.repositoryName ?? name);
  check(repo === undefined, "repositoryName", repo ?? "");
  check(args.teams !== undefined && args.teams !== null, "teams", "is required: { developers, admins } team slugs (the branch table's columns)");
  const developers = teamProblem(args.teams.developers, "developers");
  check(developers === undefined, "teams.developers", developers ?? "");
  const admins = teamProblem(args.teams.admins, "admins");
  check(admins === undefined, "teams.admins", admins ?? "");
  check(args.teams.developers !== args.teams.admins, "teams.admins", `must differ from teams.developers ("${args.teams.admins}"), or "developers: read" restricts nobody`);

  const defaultBranch = args.defaultBranch ?? d.defaultBranch;
  const def = branchPatternProblem(defaultBranch);
  check(def.problem === undefined && def.pattern?.isGlob === false, "defaultBranch", def.problem ?? `must be a branch name, not a pattern, got "${defaultBranch}"`);

  const rules = args.branches ?? defaultBranchRules;
  const keys = new Map<string, string>();
  rules.forEach((rule, i) => {
    const at = `branches[${i}]`;
    const { problem } = branchPatternProblem(rule.pattern);
    check(problem === undefined, `${at}.pattern`, problem ?? "");
    const key = patternKey(rule.pattern);
    const other = keys.get(key);
    check(key.length > 0, `${at}.pattern`, `"${rule.pattern}" needs at least one letter or digit to name its resources`);
    check(other === undefined, `${at}.pattern`, other === rule.pattern ? `"${rule.pattern}" has two rules` : `"${rule.pattern}" and "${other}" name the same child resources; merge them`);
    keys.set(key, rule.pattern);
    check(rule.developers === "read" || rule.developers === "write", `${at}.developers`, `must be "read" or "write", got ${JSON.stringify(rule.developers)}`);
    if (!rule.protected) {
      check(rule.developers === "write", `${at}.developers`, "must be \"write\" on an unprotected branch (a branch developers cannot write is a protected one)");
      for (const field of ["requiredApprovals", "sourceBranches", "requiredDeployments"] as const) {
        check(rule[field] === undefined, `${at}.${field}`, "applies only to a protected branch");
      }
      return;
    }
    const approvals = rule.requiredApprovals ?? 2;
    check(Number.isInteger(approvals) && approvals >= 1 && approvals <= maxApprovals, `${at}.requiredApprovals`, `must be an integer from 1 to ${maxApprovals}, got ${approvals}`);
    if (rule.sourceBranches !== undefined) {
      check(rule.sourceBranches.length > 0, `${at}.sourceBranches`, "must list at least one branch, or be left out to accept any");
      check(shellSafeBranchPattern.test(rule.pattern) && !branchPatternProblem(rule.pattern).pattern?.isGlob, `${at}.pattern`, `must be a plain branch name (letters, digits, ".", "_", "-", "/") to restrict its source branches, got "${rule.pattern}"`);
      rule.sourceBranches.forEach((source, j) => {
        const parsed = branchPatternProblem(source);
        check(parsed.problem === undefined && parsed.pattern?.isGlob === false && shellSafeBranchPattern.test(source), `${at}.sourceBranches[${j}]`, parsed.problem ?? `must be a plain branch name (letters, digits, ".", "_", "-", "/"), got "${source}"`);
      });
    }
  });
  const defaultRule = rules.find((r) => r.protected && branchPatternProblem(r.pattern).pattern?.matches(defaultBranch));
  check(defaultRule !== undefined, "branches", `must protect the default branch "${defaultBranch}" (add a rule with protected: true whose pattern matches it)`);

  const environments = args.environments ?? defaultEnvironments(args.teams, rules);
  const envNames = new Set<string>();
  environments.forEach((env, i) => {
    validateProtectedEnvironmentArgs(
      {
        repository: args.repositoryName ?? name,
        environment: env.name,
        reviewerTeams: env.reviewerTeams,
        waitTimerMinutes: env.waitTimerMinutes,
        deploymentBranches: deploymentBranchesOf(env, rules),
        variables: env.variables,
      },
      `environments[${i}]`,
      protectedRepositoryType,
    );
    check(!envNames.has(env.name.toLowerCase()), `environments[${i}].name`, `"${env.name}" is listed twice`);
    envNames.add(env.name.toLowerCase());
  });
  rules.forEach((rule, i) => {
    // An environment another stack owns is named here without being created here.
    if (rule.deploysTo !== undefined) {
      const problem = environmentNameProblem(rule.deploysTo);
      check(problem === undefined, `branches[${i}].deploysTo`, problem ?? "");
    }
    (rule.requiredDeployments ?? []).forEach((env, j) => {
      const problem = environmentNameProblem(env);
      check(problem === undefined, `branches[${i}].requiredDeployments[${j}]`, problem ?? "");
    });
  });

  const checks = args.requiredStatusChecks ?? d.requiredStatusChecks;
  checks.forEach((c, i) => check(typeof c === "string" && c.trim().length > 0, `requiredStatusChecks[${i}]`, "must be a status check context (a workflow job name)"));
  check(new Set(checks).size === checks.length, "requiredStatusChecks", "lists a check twice");
  const appId = args.statusCheckIntegrationId ?? d.statusCheckIntegrationId;
  check(Number.isInteger(appId) && appId >= 0, "statusCheckIntegrationId", `must be a GitHub App id (or 0 for any source), got ${appId}`);

  (args.codeqlLanguages ?? d.codeqlLanguages).forEach((lang, i) =>
    check(
      (codeqlInterpretedLanguages as readonly string[]).includes(lang),
      `codeqlLanguages[${i}]`,
      `must be one of ${codeqlInterpretedLanguages.join(", ")} (compiled languages need a build step the managed workflow does not have), got "${lang}"`,
    ),
  );
  (args.allowedActions ?? d.allowedActions).forEach((pattern, i) => {
    check(!["*", "*/*", "*@*", "*/*@*"].includes(pattern), `allowedActions[${i}]`, "must not allow every action");
    check(actionPattern.test(pattern), `allowedActions[${i}]`, `must be "owner/repo@ref" or a pattern such as "owner/*", got "${pattern}"`);
  });
  (args.codeOwners ?? []).forEach((rule, i) => {
    check(
      typeof rule.pattern === "string" && rule.pattern.length > 0 && !/\s/.test(rule.pattern) && !rule.pattern.startsWith("!") && !/[[\]]/.test(rule.pattern),
      `codeOwners[${i}].pattern`,
      `must be a CODEOWNERS path pattern without spaces, "!" negation or "[ ]" ranges (GitHub ignores those), got ${JSON.stringify(rule.pattern)}`,
    );
    check(rule.owners.length > 0, `codeOwners[${i}].owners`, "must name at least one owner");
    rule.owners.forEach((o, j) =>
      check(codeOwnerHandle.test(o), `codeOwners[${i}].owners[${j}]`, `must be @org/team, @user or an email, got "${o}"`),
    );
  });
  check(args.preCommitConfig === undefined || args.preCommitConfig.trim().length > 0, "preCommitConfig", "must not be empty");
  if (args.deliveryWorkflows !== false) validateDeliveryWorkflows(check, args.deliveryWorkflows ?? {});

  const prefix = args.managedFilesBranchPrefix ?? d.managedFilesBranchPrefix;
  const prefixParsed = branchPatternProblem(`${prefix}-00000000`);
  check(prefixParsed.problem === undefined && prefixParsed.pattern?.isGlob === false, "managedFilesBranchPrefix", prefixParsed.problem ?? `must be a branch name, got "${prefix}"`);
  const blocking = rules.find((r) => r.protected && branchPatternProblem(r.pattern).pattern?.matches(`${prefix}-00000000`));
  check(blocking === undefined, "managedFilesBranchPrefix", `"${prefix}" falls under the protected pattern "${blocking?.pattern}", so the managed files could never be committed`);
}
