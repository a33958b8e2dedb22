import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, platformConfigSchema, type PlatformConfig } from "./config";

/**
 * Reads every `<project>:<key>` of the schema from the stack's config. Pulumi stores structured
 * values as JSON text and scalars as plain text, so each value is parsed as JSON when it can be.
 */
export function readPlatformConfig(): PlatformConfig {
  const project = pulumi.getProject();
  const cfg = new pulumi.Config(project);
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(platformConfigSchema.properties)) {
    const text = cfg.get(key);
    if (text === undefined) continue;
    raw[key] = parseValue(text);
  }
  return parsePlatformConfig(project, raw);
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
