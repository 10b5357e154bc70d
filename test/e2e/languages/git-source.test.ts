// `pulumi package add <git URL>/provider` as a user runs it on a repository of
// acp-extend, through the real engine: a git server on loopback (HTTPS on
// 127.0.0.1:443, the URL form users have, without a port; `git http-backend`)
// serves this checkout's tracked files as they are now; the CLI clones them
// into its plugin cache, our Node.js language host runs `npm install` in
// provider/, whose prepare script runs the checkout's `npm ci` and build; the
// Pulumi YAML example then previews on the sandbox with the plugin built there.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { PACKAGE_ROOT } from "../../../tools/engine";
import { type GitServer, pushRepository, startGitServer } from "../../../tools/gitServer";
import { ensureYamlHost } from "../../../tools/languages";
import { exampleConfig, useLanguageStack } from "../../helpers/languages";
import { useRegistry } from "../../helpers/registry";
import { useSandbox } from "../../helpers/sandbox";

const PASSWORD = "e2e-git-registry-password-3b8d";

describe("e2e: pulumi package add <git URL> (Pulumi YAML)", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();
  const reg = useRegistry({ tls: true, users: { ci: PASSWORD } });
  let git: GitServer | undefined;
  before(async () => {
    git = await startGitServer(443);
    // An owner, as on a git host: the CLI names the package's namespace after the
    // URL's first path segment, which must be a lowercase name.
    pushRepository(git, PACKAGE_ROOT, "alauda/acp-extend", "v0.1.0");
  });
  after(async () => git?.stop());
  const source = () => `${git!.url}/alauda/acp-extend.git/provider`;

  const { stack, packageAddOutput } = useLanguageStack("yaml-operator", {
    host: () => ensureYamlHost(),
    // The CLI clones with Go's TLS client, which trusts the CAs SSL_CERT_FILE names.
    sessionEnv: () => ({ SSL_CERT_FILE: git!.caPath }),
    packageSource: source,
    config: (workDir) => exampleConfig(workDir, sb(), reg(), { uploaded: "e2e-git-operator", password: PASSWORD }),
  });

  it("package add cloned the repository at its newest tag, built the plugin and recorded the git source", () => {
    const output = packageAddOutput();
    assert.match(output, /acp-extend: building the plugin in \S+resource-127\.0\.0\.1_alauda_acp-extend\.git_provider-v0\.1\.0/, output);
    assert.match(output, /Added package/, output);
    const settings = YAML.parse(fs.readFileSync(path.join(stack().workspace.workDir, "Pulumi.yaml"), "utf8")) as {
      packages: Record<string, unknown>;
    };
    // As the CLI records a git source: without the scheme, resolved again (newest tag) on each run.
    assert.equal(settings.packages["acp-extend"], source().replace(/^https:\/\//, ""));
  });

  it("preview plans the three components with the plugin built from the clone", async () => {
    const result = await stack().preview();
    assert.ok((result.changeSummary.create ?? 0) >= 8, JSON.stringify(result.changeSummary));
  });
});
