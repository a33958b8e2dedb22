import { BranchPatternError } from "../../constants/errors";
import { parseBranchPattern, type BranchPattern } from "../../constants/github-refs";

/**
 * Argument checks shared by the GitHub components: pure functions over plain strings, so a stack's
 * config can be checked before any resource exists. Each returns a problem to report (without the
 * argument name), or undefined.
 */

/** GitHub logins (users and organizations): letters, digits and single dashes, at most 39. */
export const githubLoginPattern = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** Repository names: letters, digits, `.`, `_`, `-`, at most 100. */
export const repositoryNamePattern = /^[A-Za-z0-9._-]{1,100}$/;
/** Team slugs: lower-case letters, digits, `-` and `_`, as GitHub derives them from team names. */
export const teamSlugPattern = /^[a-z0-9][a-z0-9_-]{0,99}$/;
/** Environment names: GitHub allows up to 255 characters; `/` and `:` would break ids and OIDC subjects. */
export const environmentNamePattern = /^[A-Za-z0-9._-](?:[A-Za-z0-9._ -]{0,253}[A-Za-z0-9._-])?$/;
/** Actions variable names: letters, digits and `_`, not starting with a digit or `GITHUB_`. */
export const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
/** Branch names that may be written into a workflow's shell script unquoted-safe. */
export const shellSafeBranchPattern = /^[A-Za-z0-9._/-]+$/;

export function repositoryNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || !repositoryNamePattern.test(name) || name === "." || name === ".." || name.toLowerCase().endsWith(".git")) {
    return `must be a repository name (letters, digits, ".", "_", "-", at most 100, not ending in .git), got ${JSON.stringify(name)}`;
  }
  return undefined;
}

export function ownerProblem(owner: unknown): string | undefined {
  if (typeof owner !== "string" || !githubLoginPattern.test(owner)) {
    return `must be a GitHub organization login (letters, digits and single dashes, at most 39), got ${JSON.stringify(owner)}`;
  }
  return undefined;
}

/** A team that is missing or malformed: the message says which team the table needs. */
export function teamProblem(slug: unknown, role: string): string | undefined {
  if (slug === undefined || slug === null || slug === "") return `is required: the slug of the ${role} team`;
  if (typeof slug !== "string" || !teamSlugPattern.test(slug)) {
    return `must be a team slug (lower-case letters, digits, "-" and "_"), got ${JSON.stringify(slug)}`;
  }
  return undefined;
}

/** Parses a branch pattern, or returns the parser's reason. */
export function branchPatternProblem(pattern: unknown): { pattern?: BranchPattern; problem?: string } {
  try {
    return { pattern: parseBranchPattern(pattern as string) };
  } catch (err) {
    if (err instanceof BranchPatternError) return { problem: `is not a valid branch pattern: ${err.message}` };
    throw err;
  }
}

export function environmentNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || !environmentNamePattern.test(name)) {
    return `must be a GitHub environment name (letters, digits, ".", "_", "-" and inner spaces, at most 255), got ${JSON.stringify(name)}`;
  }
  return undefined;
}

export function variableNameProblem(name: string): string | undefined {
  if (!variableNamePattern.test(name)) return `must be letters, digits and "_", not starting with a digit, got ${JSON.stringify(name)}`;
  if (name.toUpperCase().startsWith("GITHUB_")) return `must not start with GITHUB_ (reserved by GitHub), got ${JSON.stringify(name)}`;
  return undefined;
}

/** A stable, readable child-resource key for a branch pattern (`feat/*` -> `feat-star`). */
export function patternKey(pattern: string): string {
  return pattern
    .replace(/\*\*/g, "-any-")
    .replace(/\*/g, "-star-")
    .replace(/\?/g, "-q-")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
