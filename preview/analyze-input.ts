import type { AnalyzeInput, AnalyzerProvider } from "./pack-client";
import type { RecordedResource } from "./recorder";
import type { ProgramSource } from "./run-program";

/**
 * The `Analyze` request for a recorded resource, as the engine makes it: its inputs and options,
 * and the default provider the engine would give it. Light on purpose (types only from the
 * client): the preview builds these while the program runs, before it has loaded gRPC.
 */

/** The default provider the engine would create for a package, with its config as inputs. */
export function defaultProvider(pkg: string, source: Pick<ProgramSource, "config" | "stack" | "project">): AnalyzerProvider {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source.config)) {
    if (key.startsWith(`${pkg}:`)) properties[key.slice(pkg.length + 1)] = value;
  }
  return {
    type: `pulumi:providers:${pkg}`,
    name: "default",
    urn: `urn:pulumi:${source.stack}::${source.project}::pulumi:providers:${pkg}::default`,
    properties,
  };
}

/** The package of a resource that the engine gives a default provider, if it does. */
export function defaultProviderPackage(r: RecordedResource): string | undefined {
  return !r.custom || r.provider || r.type.startsWith("pulumi:") ? undefined : (r.type.split(":")[0] ?? "");
}

/** The default providers of the packages of these resources, by package. */
export function defaultProviders(records: readonly RecordedResource[], source: ProgramSource): Map<string, AnalyzerProvider> {
  const providers = new Map<string, AnalyzerProvider>();
  for (const r of records) {
    const pkg = defaultProviderPackage(r);
    if (pkg !== undefined && !providers.has(pkg)) providers.set(pkg, defaultProvider(pkg, source));
  }
  return providers;
}

/** The `Analyze` request for a resource, with the provider given. */
export function analyzeInput(r: RecordedResource, provider: AnalyzerProvider | undefined): AnalyzeInput {
  return { type: r.type, name: r.name, urn: r.urn, properties: r.inputs, options: r.options, provider };
}
