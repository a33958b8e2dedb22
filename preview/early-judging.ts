import type { AnalyzeInput, AnalyzeResult, PolicyPackClient } from "./pack-client";

/**
 * `Analyze` for each resource while the program is still running. The engine judges a resource
 * by its inputs alone, and those are final once it is registered, so the pack (which has started
 * and been configured meanwhile, on the other core) need not wait for the end of the program:
 * only the stack analysis does. What is learned here is handed to `judge()` as `judged`, which
 * then asks only about the rest.
 *
 * The pack must keep the config it had when `start` was called until `settle` has resolved.
 * A request that fails is forgotten, not reported: `judge()` asks again and reports the error
 * there, with everything else it does.
 */
export class EarlyJudging {
  private readonly waiting: AnalyzeInput[] = [];
  private next = 0;
  private readonly answers = new Map<string, AnalyzeResult>();
  private readonly inFlight = new Set<Promise<void>>();
  private client: PolicyPackClient | undefined;
  private stopped = false;

  /** @param concurrency requests in flight at once */
  constructor(private readonly concurrency: number) {}

  /** A registered resource: judged at once if the pack is ready, else when it is. */
  add(input: AnalyzeInput): void {
    if (this.stopped) return;
    this.waiting.push(input);
    this.pump();
  }

  /** The pack is ready and configured: judge what has come so far, and what comes next. */
  start(client: PolicyPackClient): void {
    if (this.stopped) return;
    this.client = client;
    this.pump();
  }

  /**
   * No new requests; resolves when those in flight have answered, with every answer by URN.
   * After it, the pack may be configured again.
   */
  async settle(): Promise<ReadonlyMap<string, AnalyzeResult>> {
    this.stopped = true;
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    return this.answers;
  }

  private pump(): void {
    const client = this.client;
    if (client === undefined) return;
    while (!this.stopped && this.inFlight.size < this.concurrency && this.next < this.waiting.length) {
      const input = this.waiting[this.next++] as AnalyzeInput;
      const call: Promise<void> = client.analyzeWithApplicability(input).then(
        (answer) => {
          this.answers.set(input.urn, answer);
        },
        () => undefined,
      );
      const tracked = call.finally(() => {
        this.inFlight.delete(tracked);
        this.pump();
      });
      this.inFlight.add(tracked);
    }
  }
}
