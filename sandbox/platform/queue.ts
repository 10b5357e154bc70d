import { KubeApiError } from "../../sdk/kube/client";

export type Logger = (msg: string) => void;

/**
 * A keyed work queue like client-go's: a key waiting is queued once however
 * often it is added; one reconcile runs at a time; failures retry with
 * exponential backoff per key; `addAfter` schedules a timed requeue (phase
 * durations), so nothing polls.
 */
export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly order: string[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private stopped = false;
  private dirtyWhileRunning = new Set<string>();
  private current: string | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly log: Logger,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (key === this.current) {
      this.dirtyWhileRunning.add(key);
      return;
    }
    if (!this.waiting.has(key)) {
      this.waiting.add(key);
      this.order.push(key);
    }
    this.kick();
  }

  /** Adds `key` after `ms`; an earlier pending timer for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, t);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.waiting.clear();
    this.order.length = 0;
    await this.idle;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.idle = this.drain().finally(() => {
      this.running = false;
      if (this.order.length && !this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.order.length && !this.stopped) {
      const key = this.order.shift()!;
      this.waiting.delete(key);
      this.current = key;
      try {
        await this.reconcile(key);
        this.failures.delete(key);
      } catch (err) {
        if (this.stopped) return;
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const conflict = err instanceof KubeApiError && err.statusCode === 409;
        // Conflicts mean our view was stale: retry at once from fresh reads.
        const delay = conflict ? 20 : Math.min(5000, 100 * 2 ** (n - 1));
        if (!conflict || n > 3) this.log(`${this.name} ${key}: ${(err as Error).message} (retry ${n} in ${delay} ms)`);
        this.addAfter(key, delay);
      } finally {
        this.current = undefined;
        if (this.dirtyWhileRunning.delete(key)) this.add(key);
      }
    }
  }
}
