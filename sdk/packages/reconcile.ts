/**
 * Kept for stacks deployed before the one-folder-per-component layout: their
 * serialized dynamic provider loads `acp-extend/dist/sdk/packages/reconcile.js` by
 * name on refresh and destroy. The code now lives in `sdk/upload/`.
 */
export * from "../upload/reconcile";
