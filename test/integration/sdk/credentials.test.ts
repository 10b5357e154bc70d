// Wrong or expired credentials in a kubeconfig, against the sandbox's real API
// server: the message says the credentials were refused and what to do.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { getPackageVersions } from "../../../sdk/operator/catalog";
import { runCli } from "../../helpers/cli";
import { useSandbox } from "../../helpers/sandbox";

describe("wrong or expired kubeconfig credentials (sandbox)", function () {
  this.timeout(60_000);
  const sb = useSandbox();
  let dir: string;
  let expired: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-credentials-"));
    // The restricted kubeconfig authenticates with a bearer token: replace it with one the API server never issued.
    expired = sb()
      .restrictedKubeconfig("business")
      .replace(/token: \S+/, "token: expired-or-revoked-token");
    assert.match(expired, /token: expired-or-revoked-token/);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an expired token: the library names the refusal and the fix, never the token", async () => {
    await assert.rejects(getPackageVersions("harbor-ce-operator", { kubeconfig: expired }), (err: Error) => {
      assert.match(
        err.message,
        /401 Unauthorized.*refused the kubeconfig's credentials: its token or client certificate is wrong or has expired; get a fresh kubeconfig/,
      );
      assert.doesNotMatch(err.message, /expired-or-revoked-token/);
      return true;
    });
  });

  it("acp-extend versions with an expired token exits 1 with the same message", async () => {
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(file, expired, { mode: 0o600 });
    const r = await runCli(["versions", "harbor-ce-operator", "--kubeconfig", file], { env: process.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^acp-extend versions: .*401 Unauthorized.*wrong or has expired; get a fresh kubeconfig/);
  });
});
