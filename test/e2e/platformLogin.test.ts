// PackageUpload with the platform's username and password (violet's
// --platform-username/--platform-password) through the real engine: the upload
// logs in and writes its CRs, and the password is nowhere in the state.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArtifactVersion, PLATFORM_NAMESPACE, type KubeObject } from "../../sdk/kube/resources";
import { makeTestPackage } from "../../tools/oci-layout";
import { assertNoPlaintext, useProgramStack } from "../helpers/engine";
import { useSandbox } from "../helpers/sandbox";

const NAME = "login-upload-operator";
const AV = `operatorhub-${NAME}.v1.0.0`;

describe("e2e: PackageUpload logs in to the platform with a username and password", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  const { stack, session } = useProgramStack(
    () => ({ name: "upload-login", main: path.join(__dirname, "fixtures", "upload-login") }),
    async (engine) => ({
      package: { value: (await makeTestPackage(engine.scratch("package"), { name: NAME })).file },
      platformAddress: { value: sb().platformAddress },
      platformUsername: { value: sb().platformLogin.username },
      platformPassword: { value: sb().platformLogin.password, secret: true },
      platformCa: { value: fs.readFileSync(sb().caPath, "utf8") },
    }),
  );

  it("up writes the CRs through the login, the password is in no state file, and destroy removes the CRs", async () => {
    const up = await stack().up();
    assert.equal(up.summary.result, "succeeded");
    const global = sb().client("global");
    assert.equal((await global.get<KubeObject>(ArtifactVersion, AV, PLATFORM_NAMESPACE))?.status?.phase, "Present");
    assertNoPlaintext(session(), stack(), { secrets: { "the platform password": sb().platformLogin.password } });
    await stack().destroy();
    assert.equal(await global.get(ArtifactVersion, AV, PLATFORM_NAMESPACE), undefined);
  });
});
