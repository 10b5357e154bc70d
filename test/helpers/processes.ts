import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Every live (non-zombie) process, from /proc: its pid, parent and process group. */
function liveProcesses(): Array<{ pid: number; ppid: number; pgrp: number }> {
  const procs: Array<{ pid: number; ppid: number; pgrp: number }> = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] = state, fields[1] = ppid, fields[2] = pgrp
    if (fields[0] !== "Z") procs.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
  }
  return procs;
}

/** Live (non-zombie) processes in process group `pgid`, from /proc: children of children included. */
export function liveGroupMembers(pgid: number): number[] {
  return liveProcesses()
    .filter((p) => p.pgrp === pgid)
    .map((p) => p.pid);
}

/** `root` and its live descendants, from /proc (parent links), whatever process group they moved to. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of liveProcesses()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
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
