/**
 * The platform simulator as a process, spawned by the sandbox starter:
 *
 *   node dist/sandbox/platform/main.js --kubeconfig <path> --catalog <catalog.yaml> --catalog-dir <dir> --acp-olm <path>
 *     --timings fast|demo --listen 127.0.0.1:0 --tls-cert <crt> --tls-key <key> --token-file <path> [--login-file <path>]
 *     [--registry-listen <host>:11443 --registry-upstream http://127.0.0.1:<port>]
 *
 * Prints ONE JSON line `{"ready":true,"platformAddress":"https://…","platformRegistry":"host:11443"}` on stdout
 * once the catalog is seeded and the informers synced; logs go to stderr.
 * SIGTERM/SIGINT stop it cleanly.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startPlatform } from "./index";
import { TIMINGS, type TimingProfile } from "./timings";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: "string" },
      catalog: { type: "string" },
      "catalog-dir": { type: "string" },
      "acp-olm": { type: "string" },
      timings: { type: "string", default: "fast" },
      listen: { type: "string", default: "127.0.0.1:0" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "token-file": { type: "string" },
      "login-file": { type: "string" },
      "registry-listen": { type: "string" },
      "registry-upstream": { type: "string" },
    },
    strict: true,
  });
  const missing = ["kubeconfig", "catalog", "catalog-dir", "acp-olm", "tls-cert", "tls-key", "token-file"].filter(
    (k) => !values[k as keyof typeof values],
  );
  if (missing.length) {
    process.stderr.write(`platform: missing ${missing.map((m) => `--${m}`).join(", ")}\n`);
    return 2;
  }
  if (!(values.timings! in TIMINGS)) {
    process.stderr.write(`platform: --timings must be one of ${Object.keys(TIMINGS).join(", ")}\n`);
    return 2;
  }
  // Listen before announcing readiness: the starter may signal the moment it reads the ready line.
  let stopping = false;
  const stopRequested = new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  const platform = await startPlatform({
    kubeconfigPath: values.kubeconfig!,
    catalogPath: values.catalog!,
    catalogDir: values["catalog-dir"]!,
    acpOlm: values["acp-olm"]!,
    timings: values.timings as TimingProfile,
    listen: values.listen!,
    tlsCert: readFileSync(values["tls-cert"]!, "utf8"),
    tlsKey: readFileSync(values["tls-key"]!, "utf8"),
    token: readFileSync(values["token-file"]!, "utf8").trim(),
    login: values["login-file"] ? parseLogin(readFileSync(values["login-file"], "utf8")) : undefined,
    registry:
      values["registry-listen"] && values["registry-upstream"]
        ? { listen: values["registry-listen"], upstream: values["registry-upstream"] }
        : undefined,
  });
  // Stopped while starting: never announce a platform that is going away.
  if (!stopping)
    process.stdout.write(
      JSON.stringify({ ready: true, platformAddress: platform.platformAddress, platformRegistry: platform.platformRegistry }) + "\n",
    );
  await stopRequested;
  process.stderr.write("platform: stopping\n");
  await platform.stop();
  return 0;
}

/** The login file holds the platform user's name and password, one per line. */
function parseLogin(text: string): { username: string; password: string } {
  const [username, password] = text.split("\n");
  if (!username || !password) throw new Error("--login-file must hold the user name and the password on two lines");
  return { username, password };
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`platform: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
