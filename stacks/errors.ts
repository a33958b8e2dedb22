/** Failure codes of the stack program's config; callers match on `code`. */

/** The stack config is invalid; the message names the key and what is wrong, on one line. */
export class ConfigError extends Error {
  readonly code = "INVALID_CONFIG" as const;
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`invalid config ${key}: ${detail}`);
    this.name = "ConfigError";
  }
}
