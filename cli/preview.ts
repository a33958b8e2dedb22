import * as fs from "node:fs";
import * as path from "node:path";

import { ExitCode, UsageError, asUsageError, packageRoot, type CommandRegistrar } from "./command";

/** The package root: where Pulumi.yaml, stacks/ and policies/ live. */
interface PreviewFlags {
  stack: string;
  program?: string;
  policyPack?: string;
  policyConfig?: string;
  json?: boolean;
  sarif?: string;
}

export const registerPreviewCommand: CommandRegistrar = (program, io, setExit) => {
  program
    .command("preview")
    .description("Run a stack program on Pulumi's mock runtime and judge its resources with the CrossGuard pack, offline.")
    .option("--stack <name>", "stack whose config to use (stacks/Pulumi.<name>.yaml)", "dev")
    .option("--program <dir>", "preview another Pulumi TypeScript program (a folder with index.ts)")
    .option("--policy-pack <dir>", "policy pack folder", path.join(packageRoot, "policies"))
    .option("--policy-config <file>", "policy pack config (the --policy-pack-config format of `pulumi preview`)")
    .option("--json", "print the resources and violations as JSON")
    .option("--sarif <file>", "write SARIF 2.1.0 for GitHub code scanning")
    .action(async (flags: PreviewFlags) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(flags.stack)) throw new UsageError(`--stack must be a stack name, got "${flags.stack}"`);
      const programDir = flags.program ? path.resolve(flags.program) : undefined;
      if (programDir && !fs.statSync(programDir, { throwIfNoEntry: false })?.isDirectory()) {
        throw new UsageError(`--program ${flags.program} is not a folder`);
      }
      const policyPackDir = path.resolve(flags.policyPack ?? path.join(packageRoot, "policies"));
      if (!fs.existsSync(path.join(policyPackDir, "PulumiPolicy.yaml"))) {
        throw new UsageError(`--policy-pack ${flags.policyPack ?? policyPackDir} has no PulumiPolicy.yaml`);
      }
      if (!programDir && !fs.existsSync(path.join(packageRoot, "stacks", `Pulumi.${flags.stack}.yaml`))) {
        throw new UsageError(`--stack ${flags.stack}: no stacks/Pulumi.${flags.stack}.yaml (stacks: dev, staging, prod)`);
      }
      // Loaded on use: the engine pulls in gRPC and the Pulumi protos, which `attest` and `verify` never need
      // (run-preview loads it itself, once the program has started).
      const { runPreview } = await import("../preview/run-preview");
      const { renderText, toJson, toSarif } = await import("../preview/report");
      let result;
      try {
        result = await runPreview({
          projectDir: packageRoot,
          stack: flags.stack,
          programDir,
          policyPackDir,
          policyConfigFile: flags.policyConfig ? path.resolve(flags.policyConfig) : undefined,
        });
      } catch (err) {
        asUsageError(err);
      }
      if (flags.sarif) {
        const programFile = path.relative(process.cwd(), path.join(programDir ?? path.join(packageRoot, "stacks"), "index.ts"));
        fs.writeFileSync(flags.sarif, JSON.stringify(toSarif(result, programFile), null, 2) + "\n");
      }
      io.out(flags.json ? JSON.stringify(toJson(result), null, 2) + "\n" : renderText(result) + "\n");
      setExit(result.mandatoryCount > 0 ? ExitCode.verdict : ExitCode.ok);
    });
};
