import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { startRegistry } from "../support/registry";

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the docker-registry test helper", () => {
  it("gives each suite its own port and folder, and stop() ends the registry and removes the folder", async () => {
    const [a, b] = await Promise.all([startRegistry(), startRegistry()]);
    expect(a.port).not.toBe(b.port);
    expect(a.storage).not.toBe(b.storage);
    expect(a.host).toBe(`127.0.0.1:${a.port}`);
    await a.stop();
    await b.stop();
    expect(await answers(a.port)).toBe(false);
    expect(alive(a.pid)).toBe(false);
    expect(existsSync(a.storage)).toBe(false);
  });

  it("a test process killed with SIGKILL leaves no registry behind (the watchdog stops it)", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "fixtures", "registry", "start-and-die.ts")], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, sig) => r(sig)));
    expect(signal).toBe("SIGKILL");
    const [portText, pidText, storage] = out.trim().split(" ") as [string, string, string];
    const [port, pid] = [Number(portText), Number(pidText)];
    expect(port).toBeGreaterThan(0);
    // the watchdog polls every 0.5 s; wait for the shell to go (bounded by the test timeout)
    while (alive(pid)) await new Promise((r) => setTimeout(r, 100));
    expect(await answers(port)).toBe(false);
    expect(existsSync(storage)).toBe(false);
  });
});
