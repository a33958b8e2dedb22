import * as path from "node:path";

/**
 * Where this package's files are, whether this code runs from sources (preview/*.ts under tsx)
 * or compiled (dist/preview/*.js, which runs only when dist/ was built from the sources beside
 * it: bin/dist-stamp.cjs).
 */
export const compiled: boolean = __filename.endsWith(".js");

/** The package's root folder (holds bin/, policies/, stacks/, node_modules/). */
export const packageRoot: string = path.resolve(__dirname, compiled ? "../.." : "..");

/**
 * Node flags for the processes the preview starts (program host, policy pack): preload the
 * stand-ins that keep @pulumi/pulumi's closure serializer unloaded until used
 * (bin/lazy-sdk-modules.cjs).
 */
export const sdkPreloadFlags: readonly string[] = ["--require", path.join(packageRoot, "bin", "lazy-sdk-modules.cjs")];
