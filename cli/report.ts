import * as fs from "node:fs";
import * as path from "node:path";

import type { PreviewResult } from "../preview/engine";
import type { PackInfo } from "../preview/pack-client";
import { ExitCode, UsageError, asUsageError, packageRoot, type CommandRegistrar } from "./command";

interface ReportFlags {
  stack?: string;
  format: string;
  policyConfig?: string;
}

const formats = ["md", "html", "json", "navigator"];

/**
 * `secure-mlops report`: the ATLAS / NIST AI RMF matrix of the pack, with a stack's verdicts: a
 * Markdown or JSON table, a self-contained HTML page, or an ATLAS Navigator layer.
 */
export const registerReportCommand: CommandRegistrar = (program, io, setExit) => {
  program
    .command("report")
    .description("Print the pack's MITRE ATLAS / NIST AI RMF matrix, with a stack's violations per policy (Markdown, JSON, an HTML page or an ATLAS Navigator layer).")
    .option("--stack <name>", "preview this stack offline and count its violations per policy")
    .option("--format <format>", "md, html, json or navigator", "md")
    .option("--policy-config <file>", "policy pack config for the stack's preview")
    .action(async (flags: ReportFlags) => {
      if (!formats.includes(flags.format)) throw new UsageError(`--format must be md, html, json or navigator, got "${flags.format}"`);
      const policyPackDir = path.join(packageRoot, "policies");
      if (flags.stack !== undefined && !fs.existsSync(path.join(packageRoot, "stacks", `Pulumi.${flags.stack}.yaml`))) {
        throw new UsageError(`--stack ${flags.stack}: no stacks/Pulumi.${flags.stack}.yaml (stacks: dev, staging, prod)`);
      }
      const { startConfiguredPack } = await import("../preview/engine");
      const { runPreview } = await import("../preview/run-preview");
      let judged;
      try {
        if (flags.stack !== undefined) {
          const preview = await runPreview({
            projectDir: packageRoot,
            stack: flags.stack,
            policyPackDir,
            policyConfigFile: flags.policyConfig ? path.resolve(flags.policyConfig) : undefined,
          });
          judged = { pack: preview.pack, preview };
        } else {
          const { client, pack } = await startConfiguredPack(policyPackDir);
          client.close();
          judged = { pack, preview: undefined };
        }
      } catch (err) {
        asUsageError(err);
      }
      io.out(await render(flags.format, judged.pack, judged.preview));
      setExit(ExitCode.ok);
    });
};

/** The report in one format; each view's module loads only when asked for. */
async function render(format: string, pack: PackInfo, preview: PreviewResult | undefined): Promise<string> {
  if (format === "html") return (await import("../preview/report-html/page")).reportHtml(pack, preview);
  if (format === "navigator") return JSON.stringify((await import("../preview/navigator")).navigatorLayer(pack, preview), null, 2) + "\n";
  const { buildMatrix, matrixMarkdown } = await import("../preview/matrix");
  const matrix = buildMatrix(pack, preview);
  return format === "json" ? JSON.stringify(matrix, null, 2) + "\n" : matrixMarkdown(matrix);
}
