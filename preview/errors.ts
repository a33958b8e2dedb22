/**
 * Failure codes of the offline preview. Each is about the caller's input (the program, the policy
 * config, the pack), so the CLI exits 2 with the message; callers match on `code`.
 */

/** The program could not be loaded, threw, or its project/stack files are bad. */
export class ProgramError extends Error {
  readonly code = "PROGRAM_FAILED" as const;
  constructor(
    message: string,
    /** `file:line:col` in the user's program, when known. */
    readonly location?: string,
  ) {
    super(location ? `${location}: ${message}` : message);
    this.name = "ProgramError";
  }
}

/** The policy config is unreadable or invalid; the message names the file and the key. */
export class PolicyConfigError extends Error {
  readonly code = "INVALID_POLICY_CONFIG" as const;
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}

/** The pack process failed to start or answer; the message says which and includes its stderr. */
export class PolicyPackError extends Error {
  readonly code = "POLICY_PACK_FAILED" as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PolicyPackError";
  }
}

/**
 * A `pulumi stack export` file that cannot be judged: unreadable, not JSON, truncated, or not a
 * deployment v3. The message names the file and the JSON path of the problem (`$.deployment.resources[3].urn`).
 */
export class StateFileError extends Error {
  readonly code = "INPUT_STATE_INVALID" as const;
  constructor(
    readonly file: string,
    /** JSON path of the problem, `$` for the whole document. */
    readonly jsonPath: string,
    problem: string,
  ) {
    super(`${file}: ${jsonPath} ${problem}`);
    this.name = "StateFileError";
  }
}
