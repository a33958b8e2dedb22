import * as path from "node:path";
import type { RecordedResource } from "./recorder";

/** What the parent asks the program host to run. */
export interface ProgramHostRequest {
  readonly programDir: string;
  readonly project: string;
  readonly stack: string;
  /** `<namespace>:<key>` -> string value, as the Pulumi CLI passes config to a program. */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** The program is TypeScript run from source: the host registers tsx before loading it. */
  readonly tsx: boolean;
}

/** What the parent sends a host it started before it knew the program (`startProgramHost`). */
export interface ProgramHostRun {
  readonly kind: "run";
  readonly request: ProgramHostRequest;
}

export type ProgramHostReply =
  /** One resource, as soon as the program registered it (its outputs may still change). */
  | { readonly kind: "registered"; readonly resource: RecordedResource }
  /**
   * The program has finished. Every resource was sent as `registered` first, in order; `count`
   * says how many, and `outputs` (by registration index) holds the outputs that changed after a
   * resource was sent: a component's, which the program registers last.
   */
  | { readonly kind: "result"; readonly count: number; readonly outputs: Readonly<Record<number, Record<string, unknown>>> }
  | { readonly kind: "error"; readonly message: string; readonly location?: string; readonly errorName: string };

/**
 * The first line of an error and the place in the user's program it comes from (absolute
 * `file:line:col`): the file an esbuild syntax error names, else the first stack frame outside
 * node_modules and the host itself.
 */
export function locateError(err: unknown): { message: string; location?: string; errorName: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const message = (e.message.split("\n")[0] ?? "").trim() || e.name;
  // esbuild transform errors name the file as `<abs path>:<line>:<col>: ERROR: ...`
  const syntax = /(\/[^\s:]+\.[cm]?[jt]sx?):(\d+):(\d+)/.exec(e.message);
  if (syntax?.[1] && !syntax[1].includes(`${path.sep}node_modules${path.sep}`)) {
    return { message: syntaxMessage(e.message), location: `${syntax[1]}:${syntax[2]}:${syntax[3]}`, errorName: e.name };
  }
  for (const line of (e.stack ?? "").split("\n")) {
    const m = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/.exec(line);
    const file = m?.[1];
    if (!file || !path.isAbsolute(file)) continue; // node: internals and eval frames
    if (file.includes(`${path.sep}node_modules${path.sep}`) || file.includes(`${path.sep}preview${path.sep}program-host`)) continue;
    return { message, location: `${file}:${m[2]}:${m[3]}`, errorName: e.name };
  }
  return { message, errorName: e.name };
}

function syntaxMessage(text: string): string {
  const m = /ERROR: (.*)/.exec(text);
  return (m?.[1] ?? text.split("\n")[0] ?? text).trim();
}

