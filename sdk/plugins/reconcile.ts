/**
 * Kept for stacks deployed before the one-folder-per-component layout: their
 * serialized dynamic provider loads `acp-extend/dist/sdk/plugins/reconcile.js` by
 * name on refresh and destroy. The code now lives in `sdk/clusterPlugin/`.
 */
export * from "../clusterPlugin/reconcile";
