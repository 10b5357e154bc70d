/**
 * Kept for stacks deployed before the one-folder-per-component layout: their
 * serialized dynamic provider loads `acp-extend/dist/sdk/olm/reconcile.js` by
 * name on refresh and destroy. The code now lives in `sdk/operator/`.
 */
export * from "../operator/reconcile";
