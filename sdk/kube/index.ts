export * from "./client";
export * from "./kubeconfig";
export * as resources from "./resources";
export type { KubeObject, ObjectList, ObjectMeta, ResourceType } from "./resources";
