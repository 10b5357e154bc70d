// A git server on loopback for the tests of `pulumi package add <git URL>`:
// HTTPS (the CLI turns every git source into an https:// URL) with a CA of its
// own, serving bare repositories through Git's smart HTTP protocol with
// `git http-backend` run as CGI for each request, as a web server would.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { makeCert } from "./registry";

export interface GitServer {
  /** `https://127.0.0.1[:<port>]`: a repository `<name>.git` is at `<url>/<name>.git`. */
  url: string;
  /** The CA that signed the server's certificate (for SSL_CERT_FILE). */
  caPath: string;
  /** The directory of the bare repositories. */
  root: string;
  stop(): Promise<void>;
}

const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

/**
 * Starts the server on 127.0.0.1:`port` (a free port when 0); the repositories
 * are pushed into `root` (see pushRepository). Port 443 gives URLs without a
 * port, as users' are: the CLI names a git plugin's directory after its URL,
 * and a `host:port` puts a colon in it, which breaks the PATH npm gives the
 * plugin's scripts.
 */
export async function startGitServer(port = 0): Promise<GitServer> {
  if (!fs.existsSync(HTTP_BACKEND)) throw new Error(`${HTTP_BACKEND} is missing: apt-get install git`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-git-"));
  const root = path.join(dir, "repos");
  fs.mkdirSync(root);
  makeCert(dir);
  const server = https.createServer(
    { cert: fs.readFileSync(path.join(dir, "server.pem")), key: fs.readFileSync(path.join(dir, "server.key")) },
    (req, res) => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      const cgi = spawn(HTTP_BACKEND, [], {
        env: {
          PATH: process.env.PATH,
          GIT_PROJECT_ROOT: root,
          GIT_HTTP_EXPORT_ALL: "1",
          REQUEST_METHOD: req.method ?? "GET",
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.replace(/^\?/, ""),
          CONTENT_TYPE: req.headers["content-type"] ?? "",
          CONTENT_LENGTH: req.headers["content-length"] ?? "",
          HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
          GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
          REMOTE_ADDR: req.socket.remoteAddress ?? "",
        },
        stdio: ["pipe", "pipe", "pipe"],
      });
      req.pipe(cgi.stdin);
      let stderr = "";
      cgi.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      // A CGI answer: header lines up to an empty line, then the body.
      let head = Buffer.alloc(0);
      let body = false;
      cgi.stdout.on("data", (chunk: Buffer) => {
        if (body) return void res.write(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        let status = 200;
        for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
          const i = line.indexOf(":");
          const [name, value] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
          if (/^status$/i.test(name)) status = Number.parseInt(value, 10);
          else res.setHeader(name, value);
        }
        res.writeHead(status);
        body = true;
        res.write(head.subarray(end + 4));
      });
      cgi.on("close", (code) => {
        if (!body) res.writeHead(500).end(`git http-backend exited with ${code}: ${stderr}`);
        else res.end();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const bound = (server.address() as net.AddressInfo).port;
  return {
    url: bound === 443 ? "https://127.0.0.1" : `https://127.0.0.1:${bound}`,
    caPath: path.join(dir, "ca.pem"),
    root,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Pushes the working tree of the git checkout `from` (its tracked files as
 * they are now, committed or not: `git stash create`) to the bare repository
 * `<server.root>/<name>.git` (`name` may be `owner/repo`) as its branch main, tagged `tag` when given.
 */
export function pushRepository(server: GitServer, from: string, name: string, tag?: string): string {
  const git = (args: string[], cwd = from) =>
    execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  const bare = path.join(server.root, `${name}.git`);
  git(["init", "--quiet", "--bare", "--initial-branch=main", bare], server.root);
  const commit = git(["stash", "create"]) || git(["rev-parse", "HEAD"]);
  git(["push", "--quiet", bare, `${commit}:refs/heads/main`]);
  if (tag) git(["tag", tag, "main"], bare);
  return commit;
}
