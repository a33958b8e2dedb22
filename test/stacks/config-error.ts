import { expect } from "vitest";
import { parsePlatformConfig } from "../../stacks/config";
import { ConfigError } from "../../stacks/errors";

/** The message of the ConfigError that parsing `raw` as the platform's config throws; fails the test if it does not. */
export function errorOf(raw: Record<string, unknown>): string {
  try {
    parsePlatformConfig("secure-mlops", raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}
