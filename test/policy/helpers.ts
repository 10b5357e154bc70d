/**
 * Runs CrossGuard policies the way the @pulumi/policy runtime does (server.js): props
 * wrapped in its unknown-checking proxy, `getConfig` returning the policy's config without
 * `enforcementLevel`, `notApplicable` throwing, unknown values turned into an advisory
 * "can't run during preview", and every `reportViolation` collected.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  unknownCheckingProxy,
  UnknownValueError,
  type Policy,
  type PolicyResource,
  type PolicyResourceOptions,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { policies } from "../../policy/crossguard";
import { configDefaults, type ManifestObject, type Rule } from "../../policy/rules";

export interface Reported {
  message: string;
  urn?: string;
}

export interface PolicyRun {
  violations: Reported[];
  /** Set when the policy called `notApplicable`. */
  notApplicable?: string;
  /** Set when the policy read an unknown value (preview): the runtime reports this as advisory. */
  unknown?: string;
}

/** A resource as a Pulumi program registers it. */
export interface TestResource {
  type: string;
  props: Record<string, any>;
  name?: string;
  /** URN of the resource's provider: stack rules compare objects per provider (cluster). */
  provider?: string;
  /** Type of the parent component, as the engine writes it into the URN (`<parent type>$<type>`). */
  parentType?: string;
}

class NotApplicable extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

const defaultOpts: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function urnOf(r: TestResource, index: number): string {
  return `urn:pulumi:test::acp-extend::${r.parentType ? `${r.parentType}$` : ""}${r.type}::${r.name ?? `r${index}`}`;
}

function getConfigFor(config: Record<string, unknown> | undefined) {
  return <T extends object>(): T => {
    const { enforcementLevel: _ignored, ...rest } = config ?? {};
    return rest as T;
  };
}

async function capture(run: () => Promise<void> | void, violations: Reported[]): Promise<PolicyRun> {
  try {
    await run();
    return { violations };
  } catch (err) {
    if (err instanceof NotApplicable) return { violations, notApplicable: err.reason ?? "" };
    if (err instanceof UnknownValueError) return { violations, unknown: (err as Error).message };
    throw err;
  }
}

/** The args object the runtime passes to `validateResource`. */
export function resourceValidationArgs(r: TestResource, config?: Record<string, unknown>): ResourceValidationArgs {
  const props = unknownCheckingProxy(structuredClone(r.props));
  return {
    type: r.type,
    props,
    urn: urnOf(r, 0),
    name: r.name ?? "r0",
    opts: defaultOpts,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: getConfigFor(config),
    notApplicable,
    ...(r.provider ? { provider: { type: "pulumi:providers:kubernetes", props: {}, urn: r.provider, name: "provider" } } : {}),
  };
}

/** The args object the runtime passes to `validateStack`. */
export function stackValidationArgs(resources: TestResource[], config?: Record<string, unknown>): StackValidationArgs {
  const policyResources: PolicyResource[] = resources.map((r, i) => ({
    type: r.type,
    props: unknownCheckingProxy(structuredClone(r.props)),
    urn: urnOf(r, i),
    name: r.name ?? `r${i}`,
    opts: defaultOpts,
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
    ...(r.provider ? { provider: { type: "pulumi:providers:kubernetes", props: {}, urn: r.provider, name: "provider" } } : {}),
  }));
  return { resources: policyResources, stackTags: new Map(), getConfig: getConfigFor(config), notApplicable };
}

export function runResourcePolicy(policy: ResourceValidationPolicy, r: TestResource, config?: Record<string, unknown>): Promise<PolicyRun> {
  const violations: Reported[] = [];
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
  return capture(async () => {
    for (const validate of validations) {
      await validate(resourceValidationArgs(r, config), (message, urn) => violations.push({ message, urn }));
    }
  }, violations);
}

export function runStackPolicy(
  policy: StackValidationPolicy,
  resources: TestResource[],
  config?: Record<string, unknown>,
): Promise<PolicyRun> {
  const violations: Reported[] = [];
  return capture(
    () => policy.validateStack(stackValidationArgs(resources, config), (message, urn) => violations.push({ message, urn })),
    violations,
  );
}

export function policyNamed(name: string): Policy {
  const found = policies.find((p) => p.name === name);
  assert.ok(found, `the pack has no policy ${name}`);
  return found;
}

/** How `@pulumi/kubernetes` registers an object: `kubernetes:<group/version>:<Kind>` with the object as inputs. */
export function asKubernetesResource(object: ManifestObject, name?: string): TestResource {
  const apiVersion = String(object.apiVersion);
  const gv = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
  return { type: `kubernetes:${gv}:${object.kind}`, props: object as Record<string, any>, name };
}

/** A rule case: the object(s), optional config, and the substrings of the expected findings (none = passes). */
export interface RuleCase {
  title: string;
  objects: ManifestObject[];
  config?: Record<string, unknown>;
  /** One entry per expected violation: a substring of its message, and whether it is escalated. */
  expect: { includes: string; escalated?: boolean; object?: number }[];
}

/**
 * Declares, for every case, one test calling the rule's pure `check` and one going through
 * the real CrossGuard policy (and its escalation) with runtime-shaped arguments.
 */
export function describeRuleCases(rule: Rule, cases: RuleCase[]): void {
  assert.ok(
    cases.some((c) => c.expect.length === 0) && cases.some((c) => c.expect.length > 0),
    `${rule.name} needs a passing and a failing case`,
  );
  const config = (c: RuleCase) => ({ ...configDefaults(rule.configSchema), ...c.config });

  describe(`${rule.name}: the pure check`, () => {
    for (const c of cases) {
      it(c.title, () => {
        const found =
          rule.scope === "resource"
            ? c.objects.flatMap((o) => rule.check(o, config(c) as never))
            : rule.check(c.objects, config(c) as never);
        assertFindings(
          found.map((v) => ({ message: v.message, escalated: Boolean(v.escalated), object: c.objects.indexOf(v.object) })),
          c.expect,
        );
      });
    }
  });

  describe(`${rule.name}: through the CrossGuard policy`, () => {
    const names = [rule.name, ...(rule.escalation ? [rule.escalation.name] : [])];
    for (const c of cases) {
      it(c.title, async () => {
        const found: { message: string; escalated: boolean; object: number }[] = [];
        const resources = c.objects.map((o, i) => asKubernetesResource(o, `obj${i}`));
        for (const name of names) {
          const policy = policyNamed(name);
          const escalated = name !== rule.name;
          if ("validateStack" in policy) {
            const run = await runStackPolicy(policy as StackValidationPolicy, resources, c.config);
            assert.equal(run.unknown, undefined);
            for (const v of run.violations) {
              found.push({ message: v.message, escalated, object: resources.findIndex((r, i) => urnOf(r, i) === v.urn) });
            }
          } else {
            for (const [i, r] of resources.entries()) {
              const run = await runResourcePolicy(policy as ResourceValidationPolicy, r, c.config);
              assert.equal(run.unknown, undefined);
              found.push(...run.violations.map((v) => ({ message: v.message, escalated, object: i })));
            }
          }
        }
        assertFindings(found, c.expect);
      });
    }
  });
}

function assertFindings(found: { message: string; escalated: boolean; object: number }[], expected: RuleCase["expect"]): void {
  const describe = () => JSON.stringify(found, null, 2);
  assert.equal(found.length, expected.length, `expected ${expected.length} finding(s), got ${describe()}`);
  const left = [...found];
  for (const e of expected) {
    const i = left.findIndex(
      (f) => f.message.includes(e.includes) && f.escalated === Boolean(e.escalated) && (e.object === undefined || f.object === e.object),
    );
    assert.ok(i >= 0, `no finding ${JSON.stringify(e)} among ${describe()}`);
    left.splice(i, 1);
  }
}

/**
 * Runs `program` under Pulumi mocks (a preview: outputs are the inputs) and returns what it
 * registered. `asChecked` stands in for the providers' `check`, whose output the engine
 * hands to the analyzer.
 */
export async function registerUnderMocks(
  project: string,
  program: () => void,
  asChecked: (type: string, inputs: Record<string, any>) => Record<string, any> = (_t, inputs) => inputs,
  stack = "dev",
): Promise<TestResource[]> {
  const registered: TestResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          props: asChecked(args.type, args.inputs),
          provider: args.provider?.split("::")[0],
        });
        return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    project,
    stack,
    true,
  );
  program();
  // Waits until every registration the program started has reached the mocks.
  await pulumi.runtime.disconnect();
  return registered;
}

/** Every policy of the pack over `resources`, as the engine runs them; one line per finding. */
export async function runPack(resources: TestResource[]): Promise<{ findings: string[]; applied: number }> {
  const findings: string[] = [];
  let applied = 0;
  for (const policy of policies) {
    if ("validateStack" in policy) {
      const run = await runStackPolicy(policy as StackValidationPolicy, resources);
      if (run.notApplicable === undefined) applied++;
      assert.equal(run.unknown, undefined, `${policy.name} could not read the stack: ${run.unknown}`);
      findings.push(...run.violations.map((v) => `${policy.name} (${v.urn?.split("::").at(-1) ?? "stack"}): ${v.message}`));
    } else {
      for (const r of resources) {
        const run = await runResourcePolicy(policy as ResourceValidationPolicy, r);
        if (run.notApplicable === undefined) applied++;
        assert.equal(run.unknown, undefined, `${policy.name} could not read ${r.name}: ${run.unknown}`);
        findings.push(...run.violations.map((v) => `${policy.name} (${r.name}): ${v.message}`));
      }
    }
  }
  return { findings, applied };
}
