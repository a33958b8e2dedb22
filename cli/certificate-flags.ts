import type { Command } from "commander";
import { CONDITION_NAMES, isConditionName, type CertificateConditions, type ConditionName } from "../attestation/identity";
import { UsageError } from "./command";

/**
 * The keyless certificate conditions of `verify` (model, dataset, and any later verifying
 * command): cosign's `--certificate-github-workflow-*` flags and a generic
 * `--certificate-extension NAME=VALUE` for the other Fulcio extensions. A leaf module, so that
 * command modules share it without importing each other.
 */

export interface CertificateFlags {
  certificateGithubWorkflowRepository?: string;
  certificateGithubWorkflowRef?: string;
  certificateGithubWorkflowName?: string;
  certificateGithubWorkflowTrigger?: string;
  certificateGithubWorkflowSha?: string;
  certificateExtension: string[];
}

/** cosign's flag names for the GitHub workflow extensions, and the condition each sets. */
const GITHUB_WORKFLOW_FLAGS: readonly (readonly [Exclude<keyof CertificateFlags, "certificateExtension">, string, ConditionName, string])[] = [
  ["certificateGithubWorkflowRepository", "--certificate-github-workflow-repository <owner/name>", "githubWorkflowRepository", "repository"],
  ["certificateGithubWorkflowRef", "--certificate-github-workflow-ref <ref>", "githubWorkflowRef", "ref, e.g. refs/tags/v1.2.0"],
  ["certificateGithubWorkflowName", "--certificate-github-workflow-name <name>", "githubWorkflowName", "name"],
  ["certificateGithubWorkflowTrigger", "--certificate-github-workflow-trigger <event>", "githubWorkflowTrigger", "trigger, e.g. push"],
  ["certificateGithubWorkflowSha", "--certificate-github-workflow-sha <sha>", "githubWorkflowSha", "commit"],
];

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds the certificate condition flags to a verifying command. */
export function addCertificateOptions(cmd: Command): Command {
  for (const [, flag, , what] of GITHUB_WORKFLOW_FLAGS) {
    cmd.option(flag, `Sigstore keyless: the certificate's GitHub workflow ${what} must be this`);
  }
  return cmd.option(
    "--certificate-extension <name=value>",
    `Sigstore keyless: a Fulcio extension the certificate must carry (repeatable); name: ${CONDITION_NAMES.join(", ")}`,
    collect,
    [],
  );
}

/** The certificate conditions of the command line; undefined when none is given. Throws `UsageError`. */
export function conditionsFrom(flags: CertificateFlags): CertificateConditions | undefined {
  const conditions: Partial<Record<ConditionName, string>> = {};
  const set = (name: ConditionName, value: string, flag: string): void => {
    if (value.length === 0) throw new UsageError(`${flag}: the value is empty`);
    if (conditions[name] !== undefined && conditions[name] !== value) throw new UsageError(`${flag}: ${name} is given twice, as ${JSON.stringify(conditions[name])} and ${JSON.stringify(value)}`);
    conditions[name] = value;
  };
  for (const [key, flag, name] of GITHUB_WORKFLOW_FLAGS) {
    const value = flags[key];
    if (typeof value === "string") set(name, value, flag.split(" ")[0]!);
  }
  for (const pair of flags.certificateExtension) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq) : pair;
    if (eq <= 0 || !isConditionName(name)) {
      throw new UsageError(`--certificate-extension: expected NAME=VALUE with NAME one of ${CONDITION_NAMES.join(", ")}, got ${JSON.stringify(pair)}`);
    }
    set(name, pair.slice(eq + 1), "--certificate-extension");
  }
  return Object.keys(conditions).length > 0 ? conditions : undefined;
}
