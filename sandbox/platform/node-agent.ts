import { KubeApiError, resourcePath } from "../../sdk/kube/client";
import type { KubeObject, ResourceType } from "../../sdk/kube/resources";
import type { ClusterHandle } from "./cluster";
import { key, nowIso, splitKey } from "./cluster";
import type { Informer } from "./informers";
import { startInformer } from "./informers";
import { WorkQueue } from "./queue";

export const Pod: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
export const Node: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };

/** The one node of each sandbox cluster. */
export const NODE_NAME = "sandbox-node";

/** A registry whose images never pull: their pods stay in ErrImagePull, as with a wrong image reference. */
export const UNPULLABLE_REGISTRY = "unpullable.sandbox.invalid";

/**
 * What a kubelet and the scheduler do for the pods of OLM's operator
 * Deployments, without running containers: bind each pending pod to the
 * cluster's one Node, report it Running and Ready with its containers
 * started, and finish the deletion of a terminating pod (a kubelet confirms
 * it with a zero-grace delete; without that, a Deployment rollout, and so an
 * OLM upgrade, waits for old pods forever). The Deployment and ReplicaSet
 * controllers of kube-controller-manager do the rest, so a CSV's Deployment
 * becomes Available for real.
 */
export class NodeAgent {
  private pods!: Informer;
  private readonly queue: WorkQueue;

  constructor(private readonly c: ClusterHandle) {
    this.queue = new WorkQueue(
      "pod",
      (k) => this.reconcile(k),
      (m) => c.log(`[${c.name}] ${m}`),
    );
  }

  async start(): Promise<void> {
    const { c } = this;
    await this.ensureNode();
    this.pods = await startInformer(
      c.kc,
      c.client,
      Pod,
      (t, p) => t !== "delete" && this.queue.add(key(p.metadata.namespace, p.metadata.name)),
      (m) => c.log(`[${c.name}] ${m}`),
    );
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await this.pods?.stop();
  }

  private async ensureNode(): Promise<void> {
    const { client } = this.c;
    const ready = {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "sandbox node agent is posting ready status",
          lastHeartbeatTime: nowIso(),
          lastTransitionTime: nowIso(),
        },
      ],
      capacity: { cpu: "64", memory: "256Gi", pods: "1000" },
      allocatable: { cpu: "64", memory: "256Gi", pods: "1000" },
      nodeInfo: {
        kubeletVersion: "sandbox",
        operatingSystem: "linux",
        architecture: "amd64",
        containerRuntimeVersion: "none://",
        kernelVersion: "",
        osImage: "",
        kubeProxyVersion: "",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    };
    let node = await client.get<KubeObject>(Node, NODE_NAME);
    if (!node) {
      try {
        node = await client.create<KubeObject>(Node, {
          metadata: {
            name: NODE_NAME,
            labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
          },
          spec: {},
        });
      } catch (err) {
        if (!(err instanceof KubeApiError && err.alreadyExists)) throw err;
        node = (await client.get<KubeObject>(Node, NODE_NAME))!;
      }
    }
    await client.updateStatus(Node, { ...node, status: { ...(node.status ?? {}), ...ready } });
  }

  private async reconcile(k: string): Promise<void> {
    const [ns, name] = splitKey(k);
    const { client, log, name: cluster } = this.c;
    const pod = await client.get<KubeObject>(Pod, name, ns);
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) {
      // The containers are "stopped" at once: confirm the deletion as a kubelet does.
      await client
        .request("DELETE", resourcePath(Pod, ns, name), {
          kind: "DeleteOptions",
          apiVersion: "v1",
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        })
        .catch((err) => {
          if (!(err instanceof KubeApiError && (err.notFound || err.statusCode === 409))) throw err;
        });
      return;
    }
    if (!pod.spec.nodeName) {
      await client
        .request("POST", resourcePath(Pod, ns, name) + "/binding", {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name, namespace: ns },
          target: { apiVersion: "v1", kind: "Node", name: NODE_NAME },
        })
        .catch((err) => {
          // Bound meanwhile (409) or gone: the next event brings the truth.
          if (!(err instanceof KubeApiError && (err.notFound || err.statusCode === 409))) throw err;
        });
      return;
    }
    const containers = (pod.spec.containers ?? []) as Array<{ name: string; image: string }>;
    const now = nowIso();
    const unpullable = containers.filter((ct) => ct.image.startsWith(`${UNPULLABLE_REGISTRY}/`));
    if (unpullable.length) {
      if (pod.status?.containerStatuses?.length) return;
      await client.updateStatus(Pod, {
        ...pod,
        status: {
          phase: "Pending",
          hostIP: "127.0.0.1",
          startTime: now,
          conditions: [
            { type: "PodScheduled", status: "True", lastTransitionTime: now },
            {
              type: "Ready",
              status: "False",
              reason: "ContainersNotReady",
              message: `containers with unready status: [${unpullable.map((c) => c.name).join(" ")}]`,
              lastTransitionTime: now,
            },
          ],
          containerStatuses: containers.map((ct) => ({
            name: ct.name,
            image: ct.image,
            imageID: "",
            ready: false,
            started: false,
            restartCount: 0,
            state: {
              waiting: { reason: "ErrImagePull", message: `failed to pull image "${ct.image}": ${UNPULLABLE_REGISTRY} is not a registry` },
            },
          })),
        },
      });
      log(`[${cluster}] pod ${ns}/${name}: ErrImagePull (${unpullable.map((c) => c.image).join(", ")})`);
      return;
    }
    if (pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"))
      return;
    await client.updateStatus(Pod, {
      ...pod,
      status: {
        phase: "Running",
        hostIP: "127.0.0.1",
        podIP: "127.0.0.1",
        podIPs: [{ ip: "127.0.0.1" }],
        startTime: now,
        conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((type) => ({
          type,
          status: "True",
          lastTransitionTime: now,
        })),
        containerStatuses: containers.map((ct) => ({
          name: ct.name,
          image: ct.image,
          imageID: "",
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        })),
      },
    });
    log(`[${cluster}] pod ${ns}/${name}: Running, Ready on ${NODE_NAME}`);
  }
}
