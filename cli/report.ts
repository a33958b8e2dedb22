import * as fs from "node:fs";
import * as path from "node:path";

import { ExitCode, UsageError, asUsageError, packageRoot, type CommandRegistrar } from "./command";

interface ReportFlags {
  stack?: string;
  format: string;
  policyConfig?: string;
}

/** `secure-mlops report`: the ATLAS / NIST AI RMF matrix of the pack, with a stack's verdicts. */
export const registerReportCommand: CommandRegistrar = (program, io, setExit) => {
  program
    .command("report")
    .description("Print the pack's MITRE ATLAS / NIST AI RMF matrix, with a stack's violations per policy.")
    .option("--stack <name>", "preview this stack offline and count its violations per policy")
    .option("--format <format>", "md, html or json", "md")
    .option("--policy-config <file>", "policy pack config for the stack's preview")
    .action(async (flags: ReportFlags) => {
      if (!["md", "html", "json"].includes(flags.format)) throw new UsageError(`--format must be md, html or json, got "${flags.format}"`);
      const policyPackDir = path.join(packageRoot, "policies");
      if (flags.stack !== undefined && !fs.existsSync(path.join(packageRoot, "stacks", `Pulumi.${flags.stack}.yaml`))) {
        throw new UsageError(`--stack ${flags.stack}: no stacks/Pulumi.${flags.stack}.yaml (stacks: dev, staging, prod)`);
      }
      const { runPreview, startConfiguredPack } = await import("../preview/engine");
      const { buildMatrix, matrixHtml, matrixMarkdown } = await import("../preview/matrix");
      let matrix;
      try {
        if (flags.stack !== undefined) {
          const result = await runPreview({
            projectDir: packageRoot,
            stack: flags.stack,
            policyPackDir,
            policyConfigFile: flags.policyConfig ? path.resolve(flags.policyConfig) : undefined,
          });
          matrix = buildMatrix(result.pack, result);
        } else {
          const { client, pack } = await startConfiguredPack(policyPackDir);
          client.close();
          matrix = buildMatrix(pack);
        }
      } catch (err) {
        asUsageError(err);
      }
      io.out(flags.format === "json" ? JSON.stringify(matrix, null, 2) + "\n" : flags.format === "html" ? matrixHtml(matrix) : matrixMarkdown(matrix));
      setExit(ExitCode.ok);
    });
};
