import { Distribution, formatCount, formatMs } from '../support/stats';
import { CoresUsed } from '../support/process-usage';
import { DRAIN_LIMIT_MS, PhaseResult } from './load-phase';

/** How the progress log and the recorded sections write a phase's numbers. */

/** `self` names the benchmark's own process: the whole platform in-process, or only the load generator and observer. */
export const cpuSplit = (cpu: CoresUsed, self = 'Node') =>
  [`${self} ${cpu.node.toFixed(2)}`, `PostgreSQL ${cpu.postgres.toFixed(2)}`,
    ...Object.entries(cpu.watched).map(([name, cores]) => `${name} ${cores.toFixed(2)}`),
    `other processes ${cpu.others.toFixed(2)} cores`].join(', ');

export const spread = (d: Distribution) => `p50 ${formatMs(d.p50)}, p95 ${formatMs(d.p95)}, p99 ${formatMs(d.p99)}, max ${formatMs(d.max)}`;

/** One line per phase for the progress log. */
export function phaseSummary(r: PhaseResult, self?: string): string {
  const drained = r.drainMs === null ? `not drained in ${DRAIN_LIMIT_MS / 1000} s` : `drained ${formatMs(r.drainMs)} after the last`;
  return `${formatCount(r.ratePerSecond)}/s: ${formatCount(r.accepted)}/${formatCount(r.sent)} accepted, sent at ${formatCount(r.achievedRate)}/s `
    + `(max ${formatMs(r.maxSendDelayMs)} late); request → updated p50 ${formatMs(r.visible.p50)}, p99 ${formatMs(r.visible.p99)}; `
    + `202 p99 ${formatMs(r.http.p99)}; backlog at end ${formatCount(r.backlogAtEnd)}, ${drained}; `
    + `CPU ${cpuSplit(r.cpu, self)}, event loop ${Math.round(r.eventLoop * 100)}%; `
    + `propagator behind by ${formatCount(r.propagation.changes)} changes, ${formatCount(r.propagation.jobs)} jobs`;
}
