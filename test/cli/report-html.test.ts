import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Matrix } from "../../preview/matrix";
import { launchChromium } from "../support/browser";
import { cliWithin } from "../support/cli";
import { repoRoot } from "../support/harness";

const cli = cliWithin(120_000);
const outDir = path.join(repoRoot, ".secure-mlops", "test-output");
const htmlFile = path.join(outDir, "report.html");
const screenshot = path.join(outDir, "report.png");

interface HeatCellSeen {
  readonly text: string;
  readonly count: string;
  readonly className: string;
}

describe("report --stack prod --format html, opened in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const outsideRequests: string[] = [];

  beforeAll(async () => {
    const r = cli("report", "--stack", "prod", "--format", "html");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(htmlFile, r.stdout);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    // The page must be self-contained: any request but the file itself is refused and recorded.
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      if (req.url() === pathToFileURL(htmlFile).href) void req.continue();
      else {
        outsideRequests.push(req.url());
        void req.abort();
      }
    });
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: "load" });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("loads with no console error and no request beyond the file", () => {
    expect(consoleErrors).toEqual([]);
    expect(outsideRequests).toEqual([]);
  });

  it("renders the mitigation x service heat map with a count in every cell", async () => {
    const heads = await page.$$eval("table.heat-map thead th", (ths) => ths.map((th) => th.textContent ?? ""));
    expect(heads[0]).toBe("ATLAS mitigation");
    expect(heads).toContain("Container Registry");
    const rows = await page.$$eval("table.heat-map tbody tr", (trs) =>
      trs.map((tr) => ({
        header: tr.querySelector("th[scope=row]")?.textContent ?? "",
        cells: [...tr.querySelectorAll("td")].map((td) => ({ text: td.textContent ?? "", count: td.querySelector(".count")?.textContent ?? td.textContent ?? "", className: td.className })),
      })),
    );
    expect(rows.map((r) => r.header)).toEqual([
      "AML.M0005 Control Access to AI Models and Data at Rest",
      "AML.M0007 Sanitize Training Data",
      "AML.M0011 Restrict Library Loading",
      "AML.M0012 Encrypt Sensitive Information",
      "AML.M0013 Code Signing",
      "AML.M0014 Verify AI Artifacts",
      "AML.M0016 Vulnerability Scanning",
      "AML.M0019 Control Access to AI Models and Data in Production",
      "AML.M0024 AI Telemetry Logging",
      "Policies per service",
    ]);
    const cells: HeatCellSeen[] = rows.flatMap((r) => r.cells);
    expect(cells.length).toBe(rows.length * (heads.length - 1));
    for (const c of cells) expect(c.count, c.text).toMatch(/^\d+$/);
    // Colour is never the only signal: an empty cell is the lightest shade and says 0.
    for (const c of cells.filter((x) => x.className.includes("heat"))) expect(c.className.includes("h0"), `${c.count} ${c.className}`).toBe(c.count === "0");

    // The count is the pack's own: policies of the registry answering AML.M0005, as the JSON matrix lists them.
    const matrix = JSON.parse(cli("report", "--format", "json").stdout) as Matrix;
    const expected = matrix.rows.filter((r) => r.atlas === "AML.M0005" && r.policy.startsWith("azure-containerregistry-")).length;
    expect(expected).toBeGreaterThan(0);
    expect(rows[0]?.cells[heads.indexOf("Container Registry") - 1]?.count).toBe(String(expected));
  });

  it("shows the stack's verdict, the before/after pairs and the coverage", async () => {
    expect(await page.$eval("#verdicts .verdict", (p) => p.textContent)).toMatch(/^Passes: prod stack, \d+ resources judged by \d+ policies; 0 mandatory violations, 0 other findings\.$/);
    const pair = await page.$$eval("table.pairs tbody tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? "")).find((cells) => cells[0] === "azure-containerregistry-registry-admin-user-disabled"));
    expect(pair).toEqual(["azure-containerregistry-registry-admin-user-disabled", "high", "passes", "Container registries should have local admin account disabled. (definition /providers/Microsoft.Authorization/policyDefinitions/dc921057-6b28-4fbe-9b83-f7bec05db6c2)"]);
    const summary = await page.$$eval("table.coverage-summary tbody th", (ths) => ths.map((th) => th.textContent));
    expect(summary).toEqual(["Checkov", "Azure Policy", "OpenSSF Scorecard"]);
  });

  it("prints without its navigation and keeps the shades", async () => {
    await page.emulateMediaType("print");
    expect(await page.$eval("nav", (n) => n.ownerDocument.defaultView?.getComputedStyle(n).display)).toBe("none");
    expect(await page.$eval("table.heat-map td.h5", (td) => td.ownerDocument.defaultView?.getComputedStyle(td).getPropertyValue("print-color-adjust"))).toBe("exact");
    await page.emulateMediaType("screen");
  });

  it("writes a screenshot under the test output", async () => {
    await page.screenshot({ path: screenshot, fullPage: false });
    expect(readFileSync(screenshot).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  });
});
