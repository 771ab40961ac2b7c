import { createHash } from 'node:crypto';
import type { IncidentReply, ReplyFields } from '@tributary/contracts';
import { NormalizeError } from '../source-connector';
import type { ReplyIntake } from '../target-connector';
import { ACKNOWLEDGE_ACTION_ID, RESOLVE_ACTION_ID } from './slack-message';
import { parseSlackBlockActions, verifySlackSignature } from './slack-signature';
import type { SlackConfig } from './slack.target';

/**
 * What each of a notice's buttons says about its incident (the button's value is the incident id).
 * Acknowledge leaves the incident open and sets the source status word `acknowledged`, which the
 * store reads as taken up (its acknowledged time, for the analytics' time to acknowledge).
 */
const FIELDS_BY_ACTION: Readonly<Record<string, ReplyFields>> = {
  [ACKNOWLEDGE_ACTION_ID]: { rawStatus: 'acknowledged' },
  [RESOLVE_ACTION_ID]: { status: 'resolved' },
};

/**
 * A click on a notice's button, from the Slack app's Interactivity request URL: signed with the
 * app's signing secret (the connector's `signingSecret`, supplied when it is created). Slack wants
 * its answer within 3 s, so nothing here calls Slack back: the click is logged and answered.
 */
export const slackReplies: ReplyIntake<SlackConfig> = {
  verify: verifySlackSignature,

  validate(rawBody) {
    const parsed = parseSlackBlockActions(rawBody);
    if (!parsed.ok) {
      return parsed.malformed
        ? { ok: false, malformed: { code: 'invalid_form', message: `not a Slack interactivity body: ${parsed.reason}` } }
        : { ok: false, issues: [{ path: 'payload', message: parsed.reason }] };
    }
    // one incident's clicks stay in the order Slack sent them
    const [first] = parsed.value.actions;
    return { ok: true, orderingKey: first!.value !== null ? `value/${first!.value}` : `user/${parsed.value.userId}` };
  },

  normalize(delivery) {
    const parsed = parseSlackBlockActions(delivery.body);
    if (!parsed.ok) throw new NormalizeError(`the Slack interactivity body is invalid: ${parsed.reason}`);
    const replies = parsed.value.actions.flatMap((action): IncidentReply[] => {
      const fields = FIELDS_BY_ACTION[action.actionId];
      if (!fields || action.value === null) return [];
      // `action_ts` is the click's own id; a body without one is told apart by its bytes
      const click = action.actionTs ?? createHash('sha256').update(delivery.body).digest('hex');
      return [{ incidentId: action.value, fields, deliveryKey: `slack:${delivery.connectorId}:${click}:${action.actionId}` }];
    });
    if (replies.length === 0) {
      return { ignored: { reason: 'unknown_action', action: parsed.value.actions[0]!.actionId, type: 'block_actions', version: null } };
    }
    return { replies };
  },
};
