import fc from "fast-check";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { BranchPatternError } from "../../constants/errors";
import {
  isValidBranchName,
  parseBranchPattern,
  rulesetRefName,
  rulesetRefTargets,
  tryParseBranchPattern,
} from "../../constants/github-refs";

/**
 * git-check-ref-format --branch, written independently of the parser from git's documentation,
 * plus GitHub's length limit and the parser's refusal of `refs/` (rulesets add it themselves).
 */
function gitAcceptsBranch(name: string): boolean {
  if (name.length === 0 || name.length > 255 || name === "@" || name.startsWith("-") || name.startsWith("refs/")) return false;
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//") || name.endsWith(".")) return false;
  if (name.includes("..") || name.includes("@{")) return false;
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || " ~^:?*[\\".includes(ch)) return false;
  }
  return name.split("/").every((part) => !part.startsWith(".") && !part.endsWith(".lock"));
}

const segmentChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789_-".split(""));
/** A path segment git accepts: no leading ".", no ".lock" end, no "..". */
const segment = fc
  .tuple(fc.array(segmentChar, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.array(segmentChar, { minLength: 1, maxLength: 4 }))
  .map(([head, dotted, tail]) => (dotted ? `${head.join("")}.${tail.join("")}` : head.join("")));
const branchName = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join("/"))
  .filter((n) => !n.startsWith("-") && n.length <= 255);

describe("isValidBranchName", () => {
  it("agrees with git's ref-name rules on strings mixing valid and forbidden characters", () => {
    const tricky = fc.constantFrom(..."ab1-_./@{}~^:?*[]\\ \t\u0000\u007fé".split(""), "..", ".lock", "refs/", "//");
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 0, maxLength: 12 }), (parts) => {
        const name = parts.join("");
        expect(isValidBranchName(name)).toBe(gitAcceptsBranch(name));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseBranchPattern", () => {
  it("never throws anything but a BranchPatternError, whatever it is given", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        try {
          parseBranchPattern(text);
        } catch (err) {
          expect(err).toBeInstanceOf(BranchPatternError);
          expect((err as BranchPatternError).code).toBe("INVALID_BRANCH_PATTERN");
          expect((err as Error).message.startsWith(`branch pattern ${JSON.stringify(text)} `)).toBe(true);
        }
        expect(() => tryParseBranchPattern(text)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it("reads a plain branch name as a name that matches itself and nothing else", () => {
    fc.assert(
      fc.property(branchName, branchName, (name, other) => {
        const p = parseBranchPattern(name);
        expect(p.isGlob).toBe(false);
        expect(p.matches(name)).toBe(true);
        expect(p.matches(other)).toBe(name === other);
      }),
    );
  });

  it("matches a name when one of its segments is replaced by `*`, but not across a `/`", () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.nat(), segment, (parts, at, extra) => {
        const i = at % parts.length;
        const pattern = parts.map((p, j) => (j === i ? "*" : p)).join("/");
        const name = parts.join("/");
        fc.pre(!name.startsWith("-") && !pattern.startsWith("-"));
        const p = parseBranchPattern(pattern);
        expect(p.isGlob).toBe(true);
        expect(p.matches(name)).toBe(true);
        const deeper = parts.map((s, j) => (j === i ? `${s}/${extra}` : s)).join("/");
        expect(p.matches(deeper)).toBe(false);
      }),
    );
  });

  it("lets `**/` stand for any number of whole segments, none included", () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), branchName, (prefix, rest) => {
        fc.pre(!rest.startsWith("-"));
        expect(parseBranchPattern(`**/${rest}`).matches([...prefix, rest].join("/"))).toBe(true);
      }),
    );
  });

  it("agrees with picomatch on patterns of literals, `*`, `?` and character classes", () => {
    const token = fc.oneof(
      { weight: 4, arbitrary: segmentChar },
      { weight: 1, arbitrary: fc.constant("*") },
      { weight: 1, arbitrary: fc.constant("?") },
      // picomatch reads `[^...]` as a negated class but not Ruby's `[!...]`; the next property ties them.
      { weight: 1, arbitrary: fc.constantFrom("[a-m]", "[^a-m]", "[0-9_]", "[^x]") },
    );
    const patternSegment = fc.array(token, { minLength: 1, maxLength: 5 }).map((t) => t.join(""));
    const pattern = fc.array(patternSegment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/"));
    fc.assert(
      fc.property(pattern, branchName, (pat, name) => {
        fc.pre(!pat.startsWith("-") && !pat.includes("**"));
        expect(parseBranchPattern(pat).matches(name)).toBe(picomatch.isMatch(name, pat, { dot: false }));
      }),
      { numRuns: 3000 },
    );
  });

  it("reads Ruby's `[!...]` as the same negated class as `[^...]`", () => {
    fc.assert(
      fc.property(segment, fc.constantFrom("a-m", "0-9_", "x"), (name, set) => {
        fc.pre(!name.startsWith("-"));
        expect(parseBranchPattern(`[!${set}]*`).matches(name)).toBe(parseBranchPattern(`[^${set}]*`).matches(name));
        expect(parseBranchPattern(`[!${set}]*`).matches(name)).toBe(!parseBranchPattern(`[${set}]*`).matches(name));
      }),
    );
  });

  it("points at the offending character of a name", () => {
    fc.assert(
      fc.property(branchName, fc.nat(), fc.constantFrom(" ", "~", "^", ":", "\\", "\u0007"), (name, at, bad) => {
        const i = 1 + (at % name.length);
        const broken = name.slice(0, i) + bad + name.slice(i);
        try {
          parseBranchPattern(broken);
          expect.unreachable(`${JSON.stringify(broken)} was accepted`);
        } catch (err) {
          expect((err as BranchPatternError).index).toBe(i);
        }
      }),
    );
  });

  it("says what is wrong in plain words", () => {
    const message = (text: string): string => {
      try {
        parseBranchPattern(text);
        return "accepted";
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(message("")).toBe('branch pattern "" is empty');
    expect(message("feat//x")).toBe('branch pattern "feat//x" has an empty path segment ("//") (at character 6)');
    expect(message("feat/[a-")).toBe('branch pattern "feat/[a-" has a character class "[" that is never closed (at character 6)');
    expect(message("release/v1..2")).toBe('branch pattern "release/v1..2" has "..", which git does not allow in a branch name (at character 11)');
    expect(message("refs/heads/main")).toBe('branch pattern "refs/heads/main" must be written without "refs/heads/" (the branch name or pattern only) (at character 1)');
    expect(message("main branch")).toBe('branch pattern "main branch" has a space, which git does not allow in a branch name (at character 5)');
  });

  it("follows Ruby's fnmatch with FNM_PATHNAME on the cases GitHub documents", () => {
    const cases: [string, string, boolean][] = [
      ["feat/*", "feat/login", true],
      ["feat/*", "feat/login/ui", false],
      ["release/**/*", "release/v2/hotfix", true],
      ["release/**", "release/v2/hotfix", false],
      ["*", "main", true],
      ["*", "feat/x", false],
      ["**/*", "feat/x", true],
      ["v[0-9]*", "v1.2", true],
      ["qa?", "qa1", true],
      ["qa?", "qa", false],
    ];
    for (const [pattern, name, want] of cases) expect([pattern, name, parseBranchPattern(pattern).matches(name)]).toEqual([pattern, name, want]);
  });
});

describe("rulesetRefTargets", () => {
  it("reads `refs/heads/<pattern>` as the pattern, and nothing under refs/tags", () => {
    fc.assert(
      fc.property(branchName, branchName, (pattern, branch) => {
        fc.pre(!pattern.startsWith("-"));
        expect(rulesetRefTargets(rulesetRefName(pattern), branch, "main")).toBe(parseBranchPattern(pattern).matches(branch));
        expect(rulesetRefTargets(`refs/tags/${pattern}`, branch, "main")).toBe(false);
      }),
    );
  });
  it("reads ~ALL and ~DEFAULT_BRANCH", () => {
    expect(rulesetRefTargets("~ALL", "anything/at/all", "main")).toBe(true);
    expect(rulesetRefTargets("~DEFAULT_BRANCH", "trunk", "trunk")).toBe(true);
    expect(rulesetRefTargets("~DEFAULT_BRANCH", "main", "trunk")).toBe(false);
    expect(rulesetRefTargets(42, "main", "main")).toBe(false);
  });
});
