import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Database, ServerRepository } from '@tributary/store';
import { epochMs } from './clock';

/**
 * CPU seconds used so far by the Node process (all its threads), by the PostgreSQL server, by each
 * watched process (by name), and by the whole machine.
 */
export interface CpuReading {
  at: number;
  node: number;
  postgres: number;
  watched: Record<string, number>;
  machine: number;
}

/** Average cores in use; `others` is everything else on the machine, which competes with the benchmark for the same cores. */
export interface CoresUsed {
  node: number;
  postgres: number;
  watched: Record<string, number>;
  others: number;
}

export function coresBetween(from: CpuReading, to: CpuReading): CoresUsed {
  const seconds = (to.at - from.at) / 1000;
  const node = (to.node - from.node) / seconds;
  const postgres = (to.postgres - from.postgres) / seconds;
  const watched = Object.fromEntries(Object.entries(to.watched).map(([name, cpu]) => [name, (cpu - (from.watched[name] ?? 0)) / seconds]));
  const known = node + postgres + Object.values(watched).reduce((a, b) => a + b, 0);
  return { node, postgres, watched, others: Math.max(0, (to.machine - from.machine) / seconds - known) };
}

/** How often the resident set size is sampled for its peak. */
const RSS_SAMPLE_MS = 250;

/**
 * What the benchmark costs the machine: CPU of the Node process, of the PostgreSQL server, of the
 * processes it was told to watch (the apps and engines of a distributed run), and of everything else
 * running meanwhile (read from /proc, so Linux only), and the Node process's peak RSS while this meter runs (the
 * process's own lifetime peak would include the suites that ran before).
 */
export class ProcessUsage {
  private peakRss = process.memoryUsage.rss();
  private readonly sampler = setInterval(() => { this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss()); }, RSS_SAMPLE_MS);
  private readonly ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

  /** `postmasterPid` null: no PostgreSQL to account for (it reads as 0 cores). */
  private constructor(private readonly postmasterPid: number | null, private readonly watchedPids: Record<string, number>) {}

  /**
   * The PostgreSQL server is the parent of any of its backends, such as one of the store's
   * connections. `watched` names other processes (by pid) whose CPU to report apart.
   */
  static async start(database: Database, watched: Record<string, number> = {}): Promise<ProcessUsage> {
    return new ProcessUsage(procStat(await new ServerRepository(database).backendPid()).ppid, watched);
  }

  /** Only this process and the `watched` ones, where no PostgreSQL takes part. */
  static watching(watched: Record<string, number>): ProcessUsage {
    return new ProcessUsage(null, watched);
  }

  cpu(): CpuReading {
    const { user, system } = process.cpuUsage();
    const watched = Object.fromEntries(Object.entries(this.watchedPids).map(([name, pid]) => {
      const stat = procStat(pid);
      return [name, (stat.utime + stat.stime) / this.ticksPerSecond];
    }));
    return { at: epochMs(), node: (user + system) / 1e6, postgres: this.postgresTicks() / this.ticksPerSecond, watched,
      machine: machineBusyTicks() / this.ticksPerSecond };
  }

  peakRssBytes(): number {
    return this.peakRss;
  }

  /**
   * Peak RSS of each watched process (VmHWM, proc(5)): over the process's whole life, which for the
   * platform's processes is the run and for long-lived engines (Kafka, Redis) includes what came before.
   */
  watchedPeakRss(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.watchedPids).flatMap(([name, pid]) => {
      const kib = highWaterMarkKib(pid);
      return kib === undefined ? [] : [[name, kib * 1024]];
    }));
  }

  stop(): void {
    clearInterval(this.sampler);
  }

  /**
   * The postmaster's own time and that of its children that have exited (cutime, cstime), plus the
   * time of the children running now (backends, background workers).
   */
  private postgresTicks(): number {
    if (this.postmasterPid === null) return 0;
    const postmaster = procStat(this.postmasterPid);
    let ticks = postmaster.utime + postmaster.stime + postmaster.cutime + postmaster.cstime;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = procStat(Number(entry));
      if (stat.ppid === this.postmasterPid) ticks += stat.utime + stat.stime;
    }
    return ticks;
  }
}

/** Busy time of all CPUs (proc(5), the `cpu` line of /proc/stat: everything but idle and iowait). */
function machineBusyTicks(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + irq + softirq + steal;
}

function highWaterMarkKib(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.split(/\s+/)[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface ProcStat {
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** Fields of /proc/<pid>/stat (proc(5)); zeros for a process that has gone meanwhile. */
function procStat(pid: number): ProcStat {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return { ppid: 0, utime: 0, stime: 0, cutime: 0, cstime: 0 };
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return { ppid: field(4), utime: field(14), stime: field(15), cutime: field(16), cstime: field(17) };
}
