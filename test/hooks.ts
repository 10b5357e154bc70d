// Mocha root hooks (required by .mocharc.json): whatever happened in the
// suites, the shared sandbox is stopped before mocha exits.
import { stopSharedSandbox } from "./helpers/sandbox";

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopSharedSandbox();
  },
};
