// The checkout's examples/ folder and the example projects in it, for the
// suites that hold every example to the same checks.
import * as fs from "node:fs";
import * as path from "node:path";

/** The checkout root: dist/test/helpers/ → ../../.. */
export const CHECKOUT_ROOT = path.resolve(__dirname, "../../..");
export const EXAMPLES_DIR = path.join(CHECKOUT_ROOT, "examples");

/** The name of every folder of examples/ that holds a TypeScript program (index.ts). */
export function typeScriptExamples(): string[] {
  return fs
    .readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(EXAMPLES_DIR, e.name, "index.ts")))
    .map((e) => e.name);
}
