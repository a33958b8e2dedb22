import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { readGitSource, redactRemote } from "../../attestation/git";
import { parseGitConfig } from "../../attestation/git";
import { cleanupTemp, tempDir, writeTree } from "./helpers";

afterAll(() => cleanupTemp());

const C1 = "1".repeat(40);
const C2 = "2".repeat(40);

describe("git source of a clone", () => {
  it("reads HEAD -> loose ref and the origin remote", async () => {
    const root = tempDir();
    writeTree(root, { ".git/HEAD": "ref: refs/heads/main\n", ".git/refs/heads/main": `${C1}\n`, ".git/config": `[core]\n\tbare = false\n[remote "origin"]\n\turl = https://huggingface.co/org/model\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n` });
    expect(await readGitSource(root)).toEqual({ commit: C1, ref: "refs/heads/main", remote: "https://huggingface.co/org/model", remoteName: "origin" });
  });

  it("reads packed refs, and the branch's own remote before origin", async () => {
    const root = tempDir();
    writeTree(root, {
      ".git/HEAD": "ref: refs/heads/dev\n",
      ".git/packed-refs": `# pack-refs with: peeled fully-peeled sorted\n${C2} refs/heads/dev\n${C1} refs/heads/main\n`,
      ".git/config": `[remote "origin"]\n\turl = git@github.com:org/fork.git\n[remote "upstream"]\n\turl = https://github.com/org/model.git\n[branch "dev"]\n\tremote = upstream\n`,
    });
    expect(await readGitSource(root)).toEqual({ commit: C2, ref: "refs/heads/dev", remote: "https://github.com/org/model.git", remoteName: "upstream" });
  });

  it("reads a detached HEAD and a worktree's gitdir file", async () => {
    const main = tempDir();
    writeTree(main, { ".git/HEAD": `${C1}\n`, ".git/config": "" });
    expect(await readGitSource(main)).toEqual({ commit: C1 });
    const common = path.join(tempDir(), "repo.git");
    const wt = tempDir();
    writeTree(common, { "worktrees/wt/HEAD": "ref: refs/heads/feature\n", "worktrees/wt/commondir": "../..\n", "refs/heads/feature": `${C2}\n`, config: '[remote "origin"]\n\turl = https://example.com/r\n' });
    writeTree(wt, { ".git": `gitdir: ${path.join(common, "worktrees/wt")}\n` });
    expect(await readGitSource(wt)).toEqual({ commit: C2, ref: "refs/heads/feature", remote: "https://example.com/r", remoteName: "origin" });
  });

  it("returns nothing for a directory that is not a clone or whose HEAD cannot be resolved", async () => {
    expect(await readGitSource(tempDir())).toBeUndefined();
    const unborn = tempDir();
    writeTree(unborn, { ".git/HEAD": "ref: refs/heads/main\n" });
    expect(await readGitSource(unborn)).toBeUndefined();
    const traversal = tempDir();
    writeTree(traversal, { ".git/HEAD": "ref: refs/../../../etc/passwd\n" });
    expect(await readGitSource(traversal)).toBeUndefined();
  });

  it("never records credentials of a remote", () => {
    expect(redactRemote("https://user:ghp_secret@github.com/org/model")).toBe("https://github.com/org/model");
    expect(redactRemote("https://token@huggingface.co/org/model")).toBe("https://huggingface.co/org/model");
    expect(redactRemote("git@github.com:org/model.git")).toBe("git@github.com:org/model.git");
    expect(parseGitConfig('[remote "a\\"b"]\n url = "x y"\n').remotes.get('a"b')).toBe("x y");
  });

  it("parses any config text without throwing (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const { remotes, branchRemotes } = parseGitConfig(text);
        for (const v of [...remotes.values(), ...branchRemotes.values()]) expect(typeof v).toBe("string");
      }),
      { numRuns: 500 },
    );
  });
});
