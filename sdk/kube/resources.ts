/**
 * The Kubernetes resource types acp-extend reads and writes. Each names the
 * REST path segments, so the client needs no discovery round trip.
 */
export interface ResourceType {
  /** `group/version`, or `v1` for the core group. */
  apiVersion: string;
  kind: string;
  /** Lower-case plural used in REST paths. */
  plural: string;
  namespaced: boolean;
}

function rt(apiVersion: string, kind: string, plural: string, namespaced: boolean): ResourceType {
  return { apiVersion, kind, plural, namespaced };
}

export const Namespace = rt("v1", "Namespace", "namespaces", false);
export const Secret = rt("v1", "Secret", "secrets", true);
export const ServiceAccount = rt("v1", "ServiceAccount", "serviceaccounts", true);
export const SelfSubjectAccessReview = rt("authorization.k8s.io/v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false);

const OLM = "operators.coreos.com/v1alpha1";
export const Subscription = rt(OLM, "Subscription", "subscriptions", true);
export const InstallPlan = rt(OLM, "InstallPlan", "installplans", true);
export const ClusterServiceVersion = rt(OLM, "ClusterServiceVersion", "clusterserviceversions", true);
export const CatalogSource = rt(OLM, "CatalogSource", "catalogsources", true);
export const OperatorGroup = rt("operators.coreos.com/v1", "OperatorGroup", "operatorgroups", true);
export const PackageManifest = rt("packages.operators.coreos.com/v1", "PackageManifest", "packagemanifests", true);

const ACP_CLUSTER = "cluster.alauda.io/v1alpha1";
export const ModulePlugin = rt(ACP_CLUSTER, "ModulePlugin", "moduleplugins", false);
export const ModuleConfig = rt(ACP_CLUSTER, "ModuleConfig", "moduleconfigs", false);
export const ModuleInfo = rt(ACP_CLUSTER, "ModuleInfo", "moduleinfos", false);

const ACP_APP = "app.alauda.io/v1alpha1";
export const Artifact = rt(ACP_APP, "Artifact", "artifacts", true);
export const ArtifactVersion = rt(ACP_APP, "ArtifactVersion", "artifactversions", true);

/**
 * ACP's cluster registry entry: one per cluster, in the global cluster's
 * `cpaas-system` namespace; its labels drive plugin affinity.
 */
export const Cluster = rt("clusterregistry.k8s.io/v1alpha1", "Cluster", "clusters", true);

/** The namespace that holds the platform's catalog sources and Artifacts. */
export const PLATFORM_NAMESPACE = "cpaas-system";

/** Minimal shape shared by every Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
  finalizers?: string[];
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}
