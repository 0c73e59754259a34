/** What Linux's /proc says of a process, for the tests and benches that watch child processes
 * (memory, CPU time, parent, whether it still runs). */
import fs from "node:fs";

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces and ")", so it
 * ends at the last ")": [0] state, [1] parent pid, ... [11] utime, [12] stime (proc(5)). */
export function statFields(pid: number): string[] {
  return statFieldsOf(`/proc/${pid}/stat`);
}

/** The same fields of a stat file: a process's, or one thread's (/proc/<pid>/task/<tid>/stat). */
function statFieldsOf(file: string): string[] {
  const stat = fs.readFileSync(file, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** Fields of /proc/<pid>/status counted in kB (VmRSS resident, VmHWM its peak, RssAnon the private
 * part: heap and stacks, not the shared libraries' pages), in kB; NaN for a field it doesn't list. */
export function statusKb<Name extends string>(pid: number, names: readonly Name[]): Record<Name, number> {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const fields = {} as Record<Name, number>;
  for (const name of names) fields[name] = Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return fields;
}

/** Resident set (VmRSS) in bytes; 0 for a process that has none (a zombie). */
export function residentBytes(pid: number): number {
  const { VmRSS } = statusKb(pid, ["VmRSS"]);
  return Number.isNaN(VmRSS) ? 0 : VmRSS * 1024;
}

/** Resident sets of the processes still running among `pids`, summed (a process and its
 * children: dev and its fleet hosts). */
export function residentBytesOf(pids: number[]): number {
  return pids.filter(isRunning).reduce((sum, pid) => sum + residentBytes(pid), 0);
}

/** Linux reports process times in clock ticks of USER_HZ, 100 per second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) the process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  return cpuMsOf(statFields(pid));
}

const cpuMsOf = (fields: string[]) => ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;

/** This process's CPU time in milliseconds, split: its main thread (the task whose id is the pid:
 * the event loop, where a broker runs) and everything else (V8's and libuv's helper threads,
 * ended ones included, as the process total minus the main thread). */
export function ownCpuByThread(): { main: number; others: number } {
  const main = cpuMsOf(statFieldsOf(`/proc/self/task/${process.pid}/stat`));
  const total = process.cpuUsage();
  return { main, others: (total.user + total.system) / 1000 - main };
}

/** Running: it exists and is not a zombie (an orphan's exit status may wait for a PID 1 that
 * doesn't collect it). */
export function isRunning(pid: number): boolean {
  try {
    return statFields(pid)[0] !== "Z";
  } catch {
    return false;
  }
}

/** CPU time (user + system) of the process's children that have ended and been waited for, in milliseconds. */
export function endedChildrenCpuMs(pid = process.pid): number {
  const fields = statFields(pid);
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}

/** The direct children of a process (this one by default), with their command lines. */
export function childProcesses(parent = process.pid): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (Number(statFields(Number(entry))[1]) !== parent) continue;
      found.push({ pid: Number(entry), command: fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ") });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}
