import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { KubeApiError, KubeClient } from "../../../../sdk/kube/client";
import type { KubeObject } from "../../../../sdk/kube/resources";
import { Namespace, PackageManifest } from "../../../../sdk/kube/resources";
import { useSandbox } from "../../../helpers/sandbox";
import { uniq } from "./helpers";

describe("sandbox/platform: the platform address /kubernetes/<cluster>/ (through the real API servers)", function () {
  this.timeout(30000);
  const sb = useSandbox();
  const via = (cluster: string, token: string) =>
    new KubeClient(
      { server: `${sb().platformAddress}/kubernetes/${cluster}`, ca: readFileSync(sb().caPath, "utf8"), token },
      { attempts: 1 },
    );

  it("forwards to each cluster's API server with the platform token", async () => {
    for (const cluster of ["global", "business"]) {
      const c = via(cluster, sb().platformToken);
      const pm = await c.get<KubeObject>(PackageManifest, "harbor-ce-operator", "cpaas-system");
      assert.equal(pm?.status.catalogSource, "platform");
      c.close();
    }
    // The two routes reach different clusters: a namespace made in business is not in global.
    const ns = uniq("sim-proxy");
    await sb()
      .client("business")
      .create(Namespace, { metadata: { name: ns } });
    const [g, b] = [via("global", sb().platformToken), via("business", sb().platformToken)];
    assert.ok(await b.get(Namespace, ns));
    assert.equal(await g.get(Namespace, ns), undefined);
    g.close();
    b.close();
    await sb().client("business").delete(Namespace, ns);
  });

  it("answers 401 without the right bearer token and 404 for an unknown cluster", async () => {
    const bad = via("global", "not-the-token");
    await assert.rejects(bad.list(Namespace), (err: KubeApiError) => err.statusCode === 401 && /platform token/.test(err.message));
    bad.close();
    const unknown = via("nowhere", sb().platformToken);
    await assert.rejects(
      unknown.list(Namespace),
      (err: KubeApiError) => err.statusCode === 404 && /cluster "nowhere" not found/.test(err.message),
    );
    unknown.close();
  });

  it("streams a watch through the proxy", async () => {
    const c = via("business", sb().platformToken);
    const list = await c.list(Namespace);
    const ns = uniq("sim-watch");
    const ac = new AbortController();
    const seen = (async () => {
      for await (const ev of c.watch(Namespace, {
        resourceVersion: list.metadata.resourceVersion,
        timeoutSeconds: 20,
        signal: ac.signal,
      })) {
        if (ev.type === "ADDED" && ev.object.metadata.name === ns) return ev.object;
      }
      return undefined;
    })();
    await sb()
      .client("business")
      .create(Namespace, { metadata: { name: ns } });
    const obj = await seen;
    ac.abort();
    assert.equal(obj?.metadata.name, ns);
    c.close();
    await sb().client("business").delete(Namespace, ns);
  });
});
