/**
 * Kept for stacks deployed before the one-folder-per-component layout: the
 * provider serialized into their state loads `acp-extend/dist/sdk/packages/reconcile.js`
 * by name and calls these functions (destroy runs the state's provider). The
 * code lives in `sdk/upload/reconcile.ts`; this keeps the old names and
 * signatures, with the log callback they pass.
 */
import { contextFor } from "../common/provider";
import { type PackageUploadInputs, type PackageUploadOutputs, reconciler } from "../upload/reconcile";

export type { PackageUploadInputs, PackageUploadOutputs } from "../upload/reconcile";

type Log = (message: string) => void;

export const checkUpload = (news: PackageUploadInputs) => reconciler.check(contextFor(news), undefined, news);
export const diffUpload = (olds: PackageUploadOutputs, news: PackageUploadInputs) => reconciler.diff(olds, news);
export const createUpload = (inputs: PackageUploadInputs, log: Log) => reconciler.create({ ...contextFor(inputs), log }, inputs);
export const updateUpload = (olds: PackageUploadOutputs, news: PackageUploadInputs, log: Log) =>
  reconciler.update({ ...contextFor(news), log }, "", olds, news);
export const deleteUpload = (props: PackageUploadOutputs, log: Log) => reconciler.delete({ ...contextFor(props), log }, "", props);
export const readUpload = async (id: string, props: PackageUploadOutputs) =>
  (await reconciler.read!(contextFor(props), id, props)) as { id: string; props: PackageUploadOutputs };
