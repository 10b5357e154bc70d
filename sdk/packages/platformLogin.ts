import * as http from "node:http";
import * as https from "node:https";

/** The OAuth2 client ACP's own console and CLIs log in with. */
const CLIENT_ID = "alauda-auth";

/**
 * Logs a platform user in the way ACP's CLIs do: the OAuth2 password grant at
 * the platform's Dex (`<platform>/dex/token`), whose id_token is then the bearer
 * for `<platform>/kubernetes/<cluster>/…`. The password goes only into the
 * request body; errors name the user and the address, never the password.
 */
export async function platformLogin(address: string, username: string, password: string, ca?: string): Promise<string> {
  const url = new URL(`${address.replace(/\/$/, "")}/dex/token`);
  const body = new URLSearchParams({
    grant_type: "password",
    username,
    password,
    scope: "openid profile email groups",
    client_id: CLIENT_ID,
  }).toString();
  const mod = url.protocol === "https:" ? https : http;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: "POST",
        ca,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          accept: "application/json",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", (err) => reject(new Error(`platform login at ${url.origin}: ${err.message}`)));
    req.end(body);
  });
  let answer: { id_token?: string; error?: string; error_description?: string } = {};
  try {
    answer = JSON.parse(text);
  } catch {
    // reported below with the status
  }
  if (status === 200 && answer.id_token) return answer.id_token;
  const why = answer.error_description ?? answer.error ?? `HTTP ${status}`;
  throw new Error(`platform login as "${username}" at ${url.origin} failed: ${why}`);
}
