/** Failure codes of the shared constants' parsers; callers match on `code`. */

/** A branch pattern or name is malformed; `index` is the 0-based position of the fault, or -1. */
export class BranchPatternError extends Error {
  readonly code = "INVALID_BRANCH_PATTERN" as const;
  constructor(
    readonly pattern: string,
    readonly index: number,
    readonly reason: string,
  ) {
    super(`branch pattern ${JSON.stringify(pattern)} ${reason}${index >= 0 ? ` (at character ${index + 1})` : ""}`);
    this.name = "BranchPatternError";
  }
}
