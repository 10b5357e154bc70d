// docs/reliability.md claims a test for every row. This lists the tests mocha
// would run in the files the rows name (a dry run: no hook or test body runs)
// and fails on any row whose file or title does not exist, so the published
// table cannot claim a test that is not there.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const DOC = path.join(ROOT, "docs", "reliability.md");

export interface Row {
  n: number;
  file: string;
  title: string;
}

/** The rows of the table: `| n | input | caught at | message | \`file\` › title |`. */
export function parseRows(markdown: string): Row[] {
  const rows: Row[] = [];
  for (const line of markdown.split("\n")) {
    const m = /^\|\s*(\d+)\s*\|.*\|\s*`(test\/[^`]+\.test\.ts)`\s*›\s*(.+?)\s*\|\s*$/.exec(line);
    if (m) rows.push({ n: Number(m[1]), file: m[2], title: m[3] });
    else if (/^\|\s*\d+\s*\|/.test(line)) throw new Error(`docs/reliability.md: a row without a test: ${line.slice(0, 120)}`);
  }
  return rows;
}

describe("docs/reliability.md is checked against the tests", function () {
  this.timeout(120_000);

  it("parses rows and refuses a row that names no test", () => {
    assert.deepEqual(parseRows("| 1 | x | CLI | msg | `test/unit/a.test.ts` › does a thing |\n"), [
      { n: 1, file: "test/unit/a.test.ts", title: "does a thing" },
    ]);
    assert.throws(() => parseRows("| 2 | x | CLI | msg | nothing |\n"), /a row without a test/);
  });

  it("has at least 50 rows, numbered 1..n, and every named test exists in its file", () => {
    const rows = parseRows(fs.readFileSync(DOC, "utf8"));
    assert.ok(rows.length >= 50, `only ${rows.length} rows`);
    assert.deepEqual(
      rows.map((r) => r.n),
      rows.map((_, i) => i + 1),
    );
    const files = [...new Set(rows.map((r) => r.file))];
    const compiled = files.map((f) => path.join(ROOT, "dist", f.replace(/\.ts$/, ".js")));
    for (const [i, f] of compiled.entries()) assert.ok(fs.existsSync(f), `row names ${files[i]}, which does not exist (compiled: ${f})`);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "acp-reliability-")), "tests.json");
    try {
      execFileSync(
        process.execPath,
        [
          require.resolve("mocha/bin/mocha.js"),
          "--no-config",
          "--dry-run",
          "--require",
          path.join(ROOT, "dist", "test", "setup.js"),
          "--reporter",
          "json",
          "--reporter-option",
          `output=${out}`,
          ...compiled,
        ],
        { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
      );
      const listed = JSON.parse(fs.readFileSync(out, "utf8")) as { tests: Array<{ title: string; file: string }> };
      const missing = rows.filter((r) => !listed.tests.some((t) => t.title === r.title && t.file.endsWith(r.file.replace(/\.ts$/, ".js"))));
      assert.deepEqual(
        missing.map((r) => `row ${r.n}: ${r.file} › ${r.title}`),
        [],
      );
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
