import type { ProgressEvent } from "../sdk/packages/push";

/**
 * Push progress per image: a live multi-bar (bytes, rate, ETA) on a TTY,
 * plain lines otherwise (one when an image starts, is skipped or is done).
 */
export interface ProgressSink {
  update(e: ProgressEvent): void;
  stop(): void;
}

function human(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressSink {
  if (stream.isTTY) return ttyProgress(stream);
  const said = new Map<string, string>();
  const started = new Map<string, number>();
  return {
    update(e) {
      const last = said.get(e.image);
      let line: string | undefined;
      if (e.state === "skipped" && last !== "skipped") line = `${e.image}: already in the registry`;
      else if (e.state === "uploading" && !last?.startsWith("uploading")) {
        started.set(e.image, Date.now());
        line = `${e.image}: pushing ${human(e.total)}`;
      } else if (e.state === "done" && last !== "done") {
        const secs = (Date.now() - (started.get(e.image) ?? Date.now())) / 1000;
        line = `${e.image}: pushed ${human(e.total)}${secs > 0 ? ` in ${secs.toFixed(1)} s (${human(e.total / secs)}/s)` : ""}`;
      }
      if (line) {
        said.set(e.image, e.state);
        stream.write(line + "\n");
      }
    },
    stop() {},
  };
}

function ttyProgress(stream: NodeJS.WritableStream): ProgressSink {
  // cli-progress is only loaded when there is a terminal to draw on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cliProgress = require("cli-progress") as typeof import("cli-progress");
  const multi = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WriteStream,
      clearOnComplete: false,
      hideCursor: true,
      format: "{image} [{bar}] {percentage}% | {doneh}/{totalh} | {rate}/s | ETA {eta_formatted} | {state}",
      formatValue: (v, _o, type) => (type === "percentage" ? String(v).padStart(3) : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, { bar: ReturnType<typeof multi.create>; t0: number }>();
  return {
    update(e) {
      let b = bars.get(e.image);
      if (!b) {
        b = { bar: multi.create(Math.max(1, e.total), 0, {}), t0: Date.now() };
        bars.set(e.image, b);
      }
      const total = Math.max(1, e.total);
      const secs = Math.max(0.001, (Date.now() - b.t0) / 1000);
      b.bar.setTotal(total);
      b.bar.update(e.state === "skipped" || e.state === "done" ? total : e.done, {
        image: e.image,
        doneh: human(e.done),
        totalh: human(e.total),
        rate: human(e.done / secs),
        state: e.state,
      });
    },
    stop() {
      multi.stop();
    },
  };
}
