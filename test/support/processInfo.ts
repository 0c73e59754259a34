/** What Linux's /proc says of a process, for the tests and benches that watch child processes
 * (memory, CPU time, parent, whether it still runs). */
import fs from "node:fs";

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces and ")", so it
 * ends at the last ")": [0] state, [1] parent pid, ... [11] utime, [12] stime (proc(5)). */
export function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** Resident set (VmRSS) in bytes; 0 for a process that has none (a zombie). */
export function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Linux reports process times in clock ticks of USER_HZ, 100 per second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) the process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
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
