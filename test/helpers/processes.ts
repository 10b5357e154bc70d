import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Live (non-zombie) processes in process group `pgid`, from /proc: children of children included. */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] = state, fields[2] = pgrp
    if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(entry));
  }
  return members;
}

/** `root` and its live descendants, from /proc (parent links), whatever process group they moved to. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] = state, fields[1] = ppid
    if (fields[0] === "Z") continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(root);
  return tree;
}

/**
 * Resolves once no process of the given groups lives; a SIGKILL is delivered
 * asynchronously, so this allows `withinMs` before it reports the survivors.
 */
export async function assertGroupsGone(groups: Array<{ name: string; pid: number }>, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = groups.filter((g) => liveGroupMembers(g.pid).length > 0);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `processes left behind: ${left.map((g) => `${g.name} (group ${g.pid}: ${liveGroupMembers(g.pid).join(",")})`).join("; ")}`,
      );
    }
    await sleep(50);
  }
}
