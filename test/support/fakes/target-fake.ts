/**
 * A local server that behaves as one destination's contract says (`../shared/contracts/<type>.md`),
 * including its error and rate-limit answers, and shows what it now holds.
 */
export interface TargetFake<C> {
  /** a connector config that points at this fake (the secrets included) */
  config: C;
  /** the secret values in `config`: none may appear in any answer or error */
  secrets: string[];
  /**
   * What the destination holds, one entry per message, card or ticket: every text it was given for
   * it in order (the first body, then each update, comment or note, flattened to plain text), and
   * whether the destination shows it resolved (a Slack message that says Resolved, a Jira issue
   * transitioned, a Freshdesk ticket in status 4).
   */
  items(): { texts: string[]; resolved: boolean }[];
  /** The next `times` calls answer with this fault instead of doing the work. */
  failNext(fault: TargetFault, times?: number): void;
  stop(): Promise<void>;
}

export type TargetFault =
  /** a 500 (or the destination's own 5xx) */
  | { kind: 'server_error' }
  /** a 429, with `Retry-After: <seconds>` when given */
  | { kind: 'rate_limited'; retryAfterSeconds: number | null }
  /** the destination's answer for a request or connector that is wrong: Slack channel_not_found, Jira 400, Freshdesk 400/401, Teams 400 */
  | { kind: 'permanent' }
  /** no answer at all until the caller gives up */
  | { kind: 'hang' };
