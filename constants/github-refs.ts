/**
 * GitHub branch names and branch patterns: a pure parser and matcher shared by the GitHub
 * components (which refuse a malformed pattern before creating anything) and the policy pack
 * (which must decide which branches another program's ruleset or branch protection covers). It
 * imports nothing, so the pack stays free of the components.
 *
 * Semantics follow what GitHub documents for branch protection rules and rulesets: Ruby's
 * `File.fnmatch` with `File::FNM_PATHNAME`, so `*` and `?` never match `/`, `[...]` is a character
 * class (`[!...]` or `[^...]` negated), and `**` followed by `/` matches any number of whole path
 * segments, including none (elsewhere `**` is the same as `*`). Without `FNM_DOTMATCH`, a wildcard
 * does not match the leading `.` of a segment.
 *
 * A pattern is refused when no valid branch could ever be written that way: git's ref-name rules
 * (git-check-ref-format --branch) forbid spaces, control characters, `~ ^ : \`, `..`, `@{`, empty
 * segments, a segment starting with `.` or ending with `.lock`, a trailing `.`, and a leading `-`. Those rules apply to the
 * literal parts; the glob characters `* ? [ ]` are the pattern's own syntax.
 */
import { BranchPatternError } from "./errors";

type ClassItem = { readonly from: string; readonly to: string };
type Token =
  | { readonly kind: "literal"; readonly char: string }
  | { readonly kind: "star" }
  | { readonly kind: "any" }
  | { readonly kind: "class"; readonly negated: boolean; readonly items: readonly ClassItem[] };
type Segment = { readonly kind: "globstar" } | { readonly kind: "tokens"; readonly tokens: readonly Token[] };

/** A parsed branch pattern: `matches` answers for branch names (not `refs/heads/...`). */
export interface BranchPattern {
  /** The pattern as written. */
  readonly source: string;
  /** True when the pattern has a wildcard or class; false for a plain branch name. */
  readonly isGlob: boolean;
  matches(branch: string): boolean;
}

/** GitHub's own limit on a ref name is 255 bytes; longer patterns cannot match anything. */
export const maxBranchPatternLength = 255;

// Characters git refuses anywhere in a ref name (controls, space, DEL, ~ ^ : \). `? * [` are the
// pattern's syntax and handled by the parser.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const forbiddenCharacter = /[\u0000-\u0020\u007f~^:\\]/;

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (c === " ") return "a space";
  if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return `"${c}"`;
}

function parseClass(pattern: string, start: number): { token: Token; end: number } {
  // `start` is the index of "[".
  let i = start + 1;
  let negated = false;
  if (pattern[i] === "!" || pattern[i] === "^") {
    negated = true;
    i++;
  }
  const items: ClassItem[] = [];
  for (;;) {
    const c = pattern[i];
    if (c === undefined || c === "/") {
      throw new BranchPatternError(pattern, start, "has a character class \"[\" that is never closed");
    }
    if (c === "]") {
      if (items.length === 0) throw new BranchPatternError(pattern, start, "has an empty character class");
      return { token: { kind: "class", negated, items }, end: i + 1 };
    }
    if (c === "[") throw new BranchPatternError(pattern, i, "has \"[\" inside a character class");
    if (forbiddenCharacter.test(c)) {
      throw new BranchPatternError(pattern, i, `has ${describeChar(c)} in a character class, which no branch name can contain`);
    }
    if (pattern[i + 1] === "-" && pattern[i + 2] !== undefined && pattern[i + 2] !== "]") {
      const to = pattern[i + 2] as string;
      if (to === "/" || forbiddenCharacter.test(to)) {
        throw new BranchPatternError(pattern, i + 2, `has ${describeChar(to)} in a character class, which no branch name can contain`);
      }
      if (to < c) throw new BranchPatternError(pattern, i, `has the reversed range "${c}-${to}" in a character class`);
      items.push({ from: c, to });
      i += 3;
    } else {
      items.push({ from: c, to: c });
      i++;
    }
  }
}

/** Parses and checks a branch pattern; throws BranchPatternError naming the first fault. */
export function parseBranchPattern(pattern: string): BranchPattern {
  if (typeof pattern !== "string" || pattern.length === 0) throw new BranchPatternError(String(pattern), -1, "is empty");
  if (pattern.length > maxBranchPatternLength) {
    throw new BranchPatternError(pattern, -1, `is longer than ${maxBranchPatternLength} characters`);
  }
  if (pattern.startsWith("refs/")) {
    throw new BranchPatternError(pattern, 0, "must be written without \"refs/heads/\" (the branch name or pattern only)");
  }
  if (pattern === "@") throw new BranchPatternError(pattern, 0, "is \"@\", which git does not allow as a name");
  if (pattern.startsWith("-")) throw new BranchPatternError(pattern, 0, "starts with \"-\", which git does not allow in a branch name");
  const dots = pattern.indexOf("..");
  if (dots >= 0) throw new BranchPatternError(pattern, dots, "has \"..\", which git does not allow in a branch name");
  const reflog = pattern.indexOf("@{");
  if (reflog >= 0) throw new BranchPatternError(pattern, reflog, "has \"@{\", which git does not allow in a branch name");
  if (pattern.endsWith(".")) throw new BranchPatternError(pattern, pattern.length - 1, "ends with \".\", which git does not allow");

  const segments: Segment[] = [];
  let tokens: Token[] = [];
  let segmentStart = 0;
  let isGlob = false;
  const closeSegment = (at: number): void => {
    if (tokens.length === 0) {
      throw new BranchPatternError(
        pattern,
        at,
        at === 0 ? "starts with \"/\"" : at === pattern.length ? "ends with \"/\"" : "has an empty path segment (\"//\")",
      );
    }
    const text = pattern.slice(segmentStart, at);
    if (text.startsWith(".")) throw new BranchPatternError(pattern, segmentStart, "has a path segment starting with \".\", which git does not allow");
    if (text.endsWith(".lock")) throw new BranchPatternError(pattern, at - 5, "has a path segment ending with \".lock\", which git does not allow");
    const lastSegment = at === pattern.length;
    if (text === "**" && !lastSegment) segments.push({ kind: "globstar" });
    else segments.push({ kind: "tokens", tokens });
    tokens = [];
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === "/") {
      closeSegment(i);
      segmentStart = i + 1;
      i++;
      continue;
    }
    if (c === "*") {
      isGlob = true;
      if (tokens[tokens.length - 1]?.kind !== "star") tokens.push({ kind: "star" });
      i++;
      continue;
    }
    if (c === "?") {
      isGlob = true;
      tokens.push({ kind: "any" });
      i++;
      continue;
    }
    if (c === "[") {
      isGlob = true;
      const { token, end } = parseClass(pattern, i);
      tokens.push(token);
      i = end;
      continue;
    }
    if (forbiddenCharacter.test(c)) {
      throw new BranchPatternError(pattern, i, `has ${describeChar(c)}, which git does not allow in a branch name`);
    }
    // Astral characters are two UTF-16 units; keep them whole so `?` matches one character.
    const cp = pattern.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(cp);
    tokens.push({ kind: "literal", char });
    i += char.length;
  }
  closeSegment(pattern.length);
  const compiled = segments;
  return {
    source: pattern,
    isGlob: isGlob || compiled.some((s) => s.kind === "globstar"),
    matches: (branch: string) => typeof branch === "string" && matchSegments(compiled, 0, branch.split("/"), 0),
  };
}

/** Like parseBranchPattern, but answers undefined for a malformed pattern (for judging others' code). */
export function tryParseBranchPattern(pattern: unknown): BranchPattern | undefined {
  if (typeof pattern !== "string") return undefined;
  try {
    return parseBranchPattern(pattern);
  } catch (err) {
    if (err instanceof BranchPatternError) return undefined;
    throw err;
  }
}

/** True when `name` is a valid branch name (a pattern without wildcards). */
export function isValidBranchName(name: string): boolean {
  const parsed = tryParseBranchPattern(name);
  return parsed !== undefined && !parsed.isGlob;
}

function classMatches(token: Extract<Token, { kind: "class" }>, char: string): boolean {
  const inside = token.items.some((item) => char >= item.from && char <= item.to);
  return token.negated ? !inside : inside;
}

/** Matches the tokens of one segment against one path segment (no "/" on either side). */
function matchTokens(tokens: readonly Token[], text: readonly string[], ti = 0, ci = 0): boolean {
  while (ti < tokens.length) {
    const token = tokens[ti] as Token;
    if (token.kind === "star") {
      // A wildcard never matches a segment's leading "." (no FNM_DOTMATCH).
      if (ci === 0 && text[0] === ".") return false;
      for (let k = ci; k <= text.length; k++) if (matchTokens(tokens, text, ti + 1, k)) return true;
      return false;
    }
    const char = text[ci];
    if (char === undefined) return false;
    if (token.kind === "literal" && token.char !== char) return false;
    if (token.kind !== "literal" && ci === 0 && char === ".") return false;
    if (token.kind === "class" && !classMatches(token, char)) return false;
    ti++;
    ci++;
  }
  return ci === text.length;
}

function matchSegments(segments: readonly Segment[], si: number, parts: readonly string[], pi: number): boolean {
  if (si === segments.length) return pi === parts.length;
  const segment = segments[si] as Segment;
  if (segment.kind === "globstar") {
    // Zero or more whole segments, none of them starting with "." (no FNM_DOTMATCH).
    for (let k = pi; k <= parts.length; k++) {
      if (matchSegments(segments, si + 1, parts, k)) return true;
      if (k < parts.length && (parts[k] as string).startsWith(".")) return false;
    }
    return false;
  }
  const part = parts[pi];
  if (part === undefined) return false;
  return matchTokens(segment.tokens, Array.from(part)) && matchSegments(segments, si + 1, parts, pi + 1);
}

/** The ruleset condition that targets a branch pattern (`refs/heads/<pattern>`). */
export function rulesetRefName(pattern: string): string {
  return `refs/heads/${pattern}`;
}

/**
 * True when a ruleset `conditions.refName.includes` (or `excludes`) entry targets `branch`:
 * `~ALL`, `~DEFAULT_BRANCH` (the repository's default branch), or `refs/heads/<pattern>`. A
 * malformed entry or one for tags targets no branch.
 */
export function rulesetRefTargets(entry: unknown, branch: string, defaultBranch: string): boolean {
  if (typeof entry !== "string") return false;
  if (entry === "~ALL") return true;
  if (entry === "~DEFAULT_BRANCH") return branch === defaultBranch;
  if (!entry.startsWith("refs/heads/")) return false;
  return tryParseBranchPattern(entry.slice("refs/heads/".length))?.matches(branch) ?? false;
}
