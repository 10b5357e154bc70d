// The acp-extend provider plugin: constructs the components for programs in
// any Pulumi language (Pulumi YAML, Python, …) and serves the CRUD of their
// stateful children, which inside this process are custom resources of this
// package instead of dynamic resources (see sdk/common/hosting.ts for why).
// The engine starts it through PulumiPlugin.yaml beside provider/index.js.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { ClusterPlugin, Operator, PackageUpload } from "../sdk";
import { pluginChildType } from "../sdk/common/dynamic";
import { hostChildrenInPlugin } from "../sdk/common/hosting";
import { moduleInfoProvider } from "../sdk/clusterPlugin/provider";
import { operatorInstallProvider } from "../sdk/operator/provider";
import { packageUploadProvider } from "../sdk/upload/provider";
import type { PackageSchema } from "./schemaGen";

/** The engine's wire form of a secret value (sdk/go/common/resource/sig). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function isSecret(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;
}

/** `v` without secret wrappers, and whether it held any. */
export function reveal(v: unknown): { value: unknown; secret: boolean } {
  if (isSecret(v)) return { value: reveal(v.value).value, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(reveal);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (v && typeof v === "object") {
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = reveal(x);
      out[k] = r.value;
      secret ||= r.secret;
    }
    return { value: out, secret };
  }
  return { value: v, secret: false };
}

/** The top-level properties of `props` with their values revealed, and which of them held a secret. */
export function revealProps(props: Record<string, unknown> | undefined): { plain: Record<string, any>; secretKeys: Set<string> } {
  const plain: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(props ?? {})) {
    const r = reveal(v);
    plain[k] = r.value;
    if (r.secret) secretKeys.add(k);
  }
  return { plain, secretKeys };
}

/** Wraps the properties named in `secretKeys` as secrets again, so the engine keeps them encrypted. */
export function concealProps<T extends Record<string, unknown> | undefined>(props: T, secretKeys: ReadonlySet<string>): T {
  if (!props) return props;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props))
    out[k] = secretKeys.has(k) && v !== undefined && !isSecret(v) ? { [SECRET_SIG]: SECRET_VALUE, value: v } : v;
  return out as T;
}

/**
 * The children's CRUD: the dynamic providers' own objects, behind the
 * provider protocol. The engine sends this plugin secrets wrapped (it accepts
 * them); the dynamic providers expect plain values, as the dynamic-provider
 * host gives them, so values are revealed going in and what came in secret
 * goes back out secret.
 */
const CHILDREN: Record<string, pulumi.dynamic.ResourceProvider> = {
  [pluginChildType("OperatorInstall")]: operatorInstallProvider as pulumi.dynamic.ResourceProvider,
  [pluginChildType("ModuleInfo")]: moduleInfoProvider as pulumi.dynamic.ResourceProvider,
  [pluginChildType("PackageUpload")]: packageUploadProvider as pulumi.dynamic.ResourceProvider,
};

function child(urn: string): pulumi.dynamic.ResourceProvider {
  const type = urn.split("::")[2]?.split("$").pop() ?? "";
  const p = CHILDREN[type];
  if (!p)
    throw new Error(`acp-extend has no resource type ${type} (${urn}); it provides ${Object.keys(CHILDREN).join(", ")} and the components`);
  return p;
}

type ComponentClass = new (name: string, args: any, opts?: pulumi.ComponentResourceOptions) => pulumi.ComponentResource;
const COMPONENT_CLASSES: Record<string, ComponentClass> = {
  "acp-extend:index:Operator": Operator,
  "acp-extend:index:ClusterPlugin": ClusterPlugin,
  "acp-extend:index:PackageUpload": PackageUpload,
};

export class AcpExtendProvider implements provider.Provider {
  readonly version: string;
  private readonly schemaText: string;
  private readonly packageSchema: PackageSchema;

  constructor(schemaText: string) {
    this.schemaText = schemaText;
    this.packageSchema = JSON.parse(schemaText) as PackageSchema;
    this.version = this.packageSchema.version;
  }

  async getSchema(): Promise<string> {
    return this.schemaText;
  }

  async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<provider.ConstructResult> {
    const Component = COMPONENT_CLASSES[type];
    const spec = this.packageSchema.resources[type];
    if (!Component || !spec)
      throw new Error(`acp-extend has no component ${type}; it provides ${Object.keys(COMPONENT_CLASSES).join(", ")}`);
    // The SDK's provider server always passes a `providers` map, empty when the
    // program gave none; the components read any map as "the caller chose the
    // Kubernetes provider" and would not build one from `kubeconfig`.
    const opts = { ...options };
    if (opts.providers && Object.keys(opts.providers).length === 0) delete opts.providers;
    const component = new Component(name, inputs, opts) as unknown as Record<string, unknown> & pulumi.ComponentResource;
    // The state is exactly the schema's outputs, read from the component's fields.
    const state: pulumi.Inputs = {};
    for (const key of Object.keys(spec.properties as Record<string, unknown>)) state[key] = component[key] as pulumi.Input<unknown>;
    return { urn: component.urn, state };
  }

  async check(urn: string, olds: any, news: any): Promise<provider.CheckResult> {
    const o = revealProps(olds);
    const n = revealProps(news);
    const res = await child(urn).check!(o.plain, n.plain);
    return { inputs: concealProps(res.inputs ?? n.plain, n.secretKeys), failures: res.failures };
  }

  async diff(id: string, urn: string, olds: any, news: any): Promise<provider.DiffResult> {
    const res = await child(urn).diff!(id, revealProps(olds).plain, revealProps(news).plain);
    return { changes: res.changes, replaces: res.replaces, stables: res.stables, deleteBeforeReplace: res.deleteBeforeReplace };
  }

  async create(urn: string, inputs: any): Promise<provider.CreateResult> {
    const { plain, secretKeys } = revealProps(inputs);
    const res = await child(urn).create(plain);
    return { id: res.id, outs: concealProps(res.outs, secretKeys) };
  }

  async read(id: string, urn: string, props?: any): Promise<provider.ReadResult> {
    const p = child(urn);
    const { plain, secretKeys } = revealProps(props);
    if (!p.read) return { id, props };
    const res = await p.read(id, plain);
    return { id: res.id, props: concealProps(res.props, secretKeys) };
  }

  async update(id: string, urn: string, olds: any, news: any): Promise<provider.UpdateResult> {
    const n = revealProps(news);
    const res = (await child(urn).update!(id, revealProps(olds).plain, n.plain)) ?? {};
    return { outs: concealProps(res.outs, n.secretKeys) };
  }

  async delete(id: string, urn: string, props: any): Promise<void> {
    await child(urn).delete?.(id, revealProps(props).plain);
  }
}

/** Serves the plugin: `args` are the engine's (its address first). */
export async function main(args: string[]): Promise<void> {
  hostChildrenInPlugin();
  const schema = fs.readFileSync(path.join(__dirname, "schema.json"), "utf8");
  await provider.main(new AcpExtendProvider(schema), args);
}
