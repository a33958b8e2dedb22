import * as fs from "node:fs";
import * as path from "node:path";

import { ExitCode, UsageError, asUsageError, packageRoot, type CommandRegistrar } from "./command";

interface AuditFlags {
  state: string;
  policyPack?: string;
  policyConfig?: string;
  json?: boolean;
  sarif?: string;
}

export const registerAuditCommand: CommandRegistrar = (program, io, setExit) => {
  program
    .command("audit")
    .description("Judge a deployed stack (the JSON of `pulumi stack export`) with the CrossGuard pack, as `preview` judges a program.")
    .requiredOption("--state <file>", "the output of `pulumi stack export` (deployment v3), after `pulumi refresh`")
    .option("--policy-pack <dir>", "policy pack folder", path.join(packageRoot, "policies"))
    .option("--policy-config <file>", "policy pack config (the --policy-pack-config format of `pulumi up`)")
    .option("--json", "print the resources and violations as JSON")
    .option("--sarif <file>", "write SARIF 2.1.0 for GitHub code scanning")
    .action(async (flags: AuditFlags) => {
      const policyPackDir = path.resolve(flags.policyPack ?? path.join(packageRoot, "policies"));
      if (!fs.existsSync(path.join(policyPackDir, "PulumiPolicy.yaml"))) {
        throw new UsageError(`--policy-pack ${flags.policyPack ?? policyPackDir} has no PulumiPolicy.yaml`);
      }
      // Loaded on use, like preview: the engine pulls in gRPC and the Pulumi protos.
      const { runAudit } = await import("../preview/audit");
      const { renderText, toJson, toSarif } = await import("../preview/report");
      let result;
      try {
        result = await runAudit({
          stateFile: flags.state,
          policyPackDir,
          policyConfigFile: flags.policyConfig ? path.resolve(flags.policyConfig) : undefined,
        });
      } catch (err) {
        asUsageError(err);
      }
      if (flags.sarif) fs.writeFileSync(flags.sarif, JSON.stringify(toSarif(result, flags.state), null, 2) + "\n");
      const subject = `Auditing ${result.project}/${result.stack} as deployed (${flags.state})`;
      io.out(flags.json ? JSON.stringify(toJson(result), null, 2) + "\n" : renderText(result, subject) + "\n");
      setExit(result.mandatoryCount > 0 ? ExitCode.verdict : ExitCode.ok);
    });
};
