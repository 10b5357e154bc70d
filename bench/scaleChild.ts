/**
 * One case of the program-scale bench, run in a fresh process (see scale.ts)
 * so each heap figure starts clean: `node --expose-gc scaleChild.js <kind> <n>`.
 * Builds n resources of one kind under Pulumi's mock runtime, waits until
 * every output resolves, and prints one JSON line: wall time and heap after GC.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPlugin } from "../sdk/clusterPlugin";
import { Operator } from "../sdk/operator";
import { SCALE_KINDS, type ScaleKind, type ScaleSample } from "./scaleCases";

let registrations = 0;

function settle<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

/** Builds object i of a kind; returns the outputs a program would read. */
function build(kind: ScaleKind, i: number): pulumi.Output<unknown>[] {
  switch (kind) {
    case "customResource": {
      const cr = new k8s.apiextensions.CustomResource(`cr-${i}`, {
        apiVersion: "operators.coreos.com/v1alpha1",
        kind: "Subscription",
        metadata: { name: "harbor-ce-operator-sub", namespace: `ns-${i}` },
        spec: {
          name: "harbor-ce-operator",
          channel: "stable",
          startingCSV: "harbor-ce-operator.v2.12.11",
          installPlanApproval: "Manual",
          source: "platform",
          sourceNamespace: "cpaas-system",
        },
      });
      return [cr.urn, cr.id, cr.metadata];
    }
    case "handwrittenOperator": {
      // What a user writes without the component: the namespace and the
      // Subscription, but no approval and no readiness.
      const ns = new k8s.core.v1.Namespace(`hw-${i}-namespace`, { metadata: { name: `ns-${i}` } });
      const sub = new k8s.apiextensions.CustomResource(`hw-${i}-subscription`, {
        apiVersion: "operators.coreos.com/v1alpha1",
        kind: "Subscription",
        metadata: { name: "harbor-ce-operator-sub", namespace: ns.metadata.name },
        spec: {
          name: "harbor-ce-operator",
          channel: "stable",
          startingCSV: "harbor-ce-operator.v2.12.11",
          installPlanApproval: "Manual",
          source: "platform",
          sourceNamespace: "cpaas-system",
        },
      });
      return [ns.urn, ns.id, ns.metadata, sub.urn, sub.id, sub.metadata];
    }
    case "operator": {
      const op = new Operator(`op-${i}`, {
        packageName: "harbor-ce-operator",
        channel: "stable",
        version: "2.12.11",
        approval: "Manual",
        namespace: `ns-${i}`,
      });
      return [op.urn, op.subscriptionName, op.namespace, op.installedCSV, op.installedVersion, op.phase, op.installPlans];
    }
    case "clusterPlugin": {
      const cp = new ClusterPlugin(`cp-${i}`, {
        moduleName: "gpu-device-plugin",
        cluster: `cluster-${i}`,
        version: "v4.0.15",
        config: { custom: { pgpu_enable: true } },
      });
      return [cp.urn, cp.moduleInfoName, cp.phase, cp.installedVersion, cp.latestVersion];
    }
  }
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const [kind, nText] = process.argv.slice(2) as [ScaleKind, string];
  const n = Number(nText);
  if (!SCALE_KINDS.includes(kind) || !Number.isInteger(n) || n < 1) {
    throw new Error(`usage: scaleChild.js <${SCALE_KINDS.join("|")}> <n>`);
  }
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registrations++;
        if (args.type.startsWith("pulumi-nodejs:dynamic/") && args.type.endsWith("OperatorInstall")) {
          return {
            id: `${args.inputs.namespace}/${args.inputs.subscriptionName}`,
            state: {
              ...args.inputs,
              installedCSV: "harbor-ce-operator.v2.12.11",
              installedVersion: "2.12.11",
              phase: "Succeeded",
              installPlans: ["install-abcde"],
            },
          };
        }
        if (args.type.startsWith("pulumi-nodejs:dynamic/")) {
          return {
            id: `${args.inputs.labels["cpaas.io/cluster-name"]}/gpu-device-plugin`,
            state: {
              ...args.inputs,
              moduleInfoName: `${args.inputs.labels["cpaas.io/cluster-name"]}-0123abcd`,
              phase: "Running",
              installedVersion: "v4.0.15",
              latestVersion: "v4.0.15",
            },
          };
        }
        return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "bench",
    "scale",
    false,
  );
  const heapBefore = heapAfterGc();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const outputs: pulumi.Output<unknown>[] = [];
  for (let i = 0; i < n; i++) outputs.push(...build(kind, i));
  await Promise.all(outputs.map(settle));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const heapAfter = heapAfterGc();
  // Keeps every object reachable until after the heap was measured.
  if (outputs.length === 0) throw new Error("nothing built");
  const sample: ScaleSample = { kind, n, wallMs, cpuMs, heapBefore, heapAfter, registrations };
  // The components' registerOutputs calls are still in flight: let them finish
  // (outside the measured span), or the runtime reports them as leaked promises.
  await pulumi.runtime.disconnect();
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
