import { promises as fsp } from "node:fs";
import * as path from "node:path";

/**
 * Reads the remote and commit of a git clone from its `.git` files (no git binary, no network):
 * the `git:` source of the seed's `valint bom git:<model repo>`. A Hugging Face model is a git
 * clone, so signing one records where it came from.
 */

export interface GitSource {
  /** Remote URL with any user name or password removed; absent for a clone without remotes. */
  readonly remote?: string;
  /** Name of that remote (`origin` usually). */
  readonly remoteName?: string;
  /** Full commit id HEAD points to (40 hex for SHA-1, 64 for SHA-256 repositories). */
  readonly commit: string;
  /** Symbolic ref HEAD points to (`refs/heads/main`); absent on a detached HEAD. */
  readonly ref?: string;
}

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Locates the git directory of `root` (a `.git` directory, or a `.git` file with `gitdir:`). */
async function gitDirOf(root: string): Promise<string | undefined> {
  const dotGit = path.join(root, ".git");
  let st;
  try {
    st = await fsp.lstat(dotGit);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) return dotGit;
  if (!st.isFile()) return undefined;
  const text = await readText(dotGit);
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text ?? "");
  return match ? path.resolve(root, match[1]!) : undefined;
}

/** Parses the sections of a git config file we need: remotes and branches. */
export function parseGitConfig(text: string): { remotes: Map<string, string>; branchRemotes: Map<string, string> } {
  const remotes = new Map<string, string>();
  const branchRemotes = new Map<string, string>();
  let section = "";
  let subsection = "";
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]$/.exec(line);
    if (header) {
      section = header[1]!.toLowerCase();
      subsection = (header[2] ?? "").replace(/\\(.)/g, "$1");
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = kv[1]!.toLowerCase();
    let value = kv[2]!.trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (section === "remote" && key === "url" && !remotes.has(subsection)) remotes.set(subsection, value);
    if (section === "branch" && key === "remote") branchRemotes.set(subsection, value);
  }
  return { remotes, branchRemotes };
}

/** Removes a user name and password from a remote URL (an HTTPS token must never be signed into a statement). */
export function redactRemote(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*@)?(.*)$/i.exec(url);
  if (scheme) return `${scheme[1]}${scheme[3]}`;
  return url;
}

async function resolveRef(gitDir: string, commonDir: string, ref: string): Promise<string | undefined> {
  for (const dir of [gitDir, commonDir]) {
    const loose = await readText(path.join(dir, ...ref.split("/")));
    if (loose !== undefined) {
      const value = loose.trim();
      if (value.startsWith("ref:")) return undefined;
      return COMMIT.test(value) ? value : undefined;
    }
  }
  const packed = await readText(path.join(commonDir, "packed-refs"));
  for (const line of (packed ?? "").split(/\r?\n/)) {
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (.+)$/.exec(line.trim());
    if (m && m[2] === ref) return m[1];
  }
  return undefined;
}

/**
 * Returns the remote and commit of the clone at `root`, or `undefined` when `root` is not the
 * top of a git clone or its HEAD cannot be resolved (an unborn branch, a damaged repository).
 */
export async function readGitSource(root: string): Promise<GitSource | undefined> {
  const gitDir = await gitDirOf(path.resolve(root));
  if (!gitDir) return undefined;
  const commonText = await readText(path.join(gitDir, "commondir"));
  const commonDir = commonText ? path.resolve(gitDir, commonText.trim()) : gitDir;
  const head = (await readText(path.join(gitDir, "HEAD")))?.trim();
  if (!head) return undefined;
  let commit: string | undefined;
  let ref: string | undefined;
  if (head.startsWith("ref:")) {
    ref = head.slice(4).trim();
    if (!/^refs\/[A-Za-z0-9._/-]+$/.test(ref) || ref.split("/").includes("..")) return undefined;
    commit = await resolveRef(gitDir, commonDir, ref);
  } else if (COMMIT.test(head)) {
    commit = head;
  }
  if (!commit) return undefined;
  const config = parseGitConfig((await readText(path.join(commonDir, "config"))) ?? "");
  const branch = ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
  const preferred = (branch && config.branchRemotes.get(branch)) || (config.remotes.has("origin") ? "origin" : [...config.remotes.keys()][0]);
  const url = preferred !== undefined ? config.remotes.get(preferred) : undefined;
  return {
    commit,
    ...(ref ? { ref } : {}),
    ...(url !== undefined && preferred !== undefined ? { remote: redactRemote(url), remoteName: preferred } : {}),
  };
}
