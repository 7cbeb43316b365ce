// Measures the memory of a process and all its descendants (Linux /proc), for the rig's report.
import { readdirSync, readFileSync } from 'node:fs';
import { clearInterval, setInterval } from 'node:timers';

const PAGE_SIZE = 4096;

function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), rssPages: Number(fields[21]) };
  } catch {
    return undefined;
  }
}

/** Resident memory in bytes of `rootPid` and every descendant. */
export function treeRss(rootPid) {
  const children = new Map();
  const rss = new Map();
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (!stat) continue;
    const pid = Number(name);
    rss.set(pid, stat.rssPages * PAGE_SIZE);
    if (!children.has(stat.ppid)) children.set(stat.ppid, []);
    children.get(stat.ppid).push(pid);
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Samples treeRss(rootPid) every `intervalMs`; `stop()` returns the peak in bytes. */
export function samplePeakRss(rootPid, intervalMs = 250) {
  let peak = treeRss(rootPid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(rootPid));
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeRss(rootPid));
    },
  };
}
