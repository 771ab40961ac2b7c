import { localOutbound } from '../../../test/support/outbound';
import type { TargetFake } from '../../../test/support/fakes/target-fake';
import { DeliveryRef, IncidentNotice, OwnerLossNotice, TargetConnector, TargetError } from './target-connector';

// The fakes' interface lives with the fakes, so that code built without jest (the benchmarks) can use them.
export type { TargetFake, TargetFault } from '../../../test/support/fakes/target-fake';

/** An incident notice for tests: a SEV-1 freshness incident on one table with 3 assets downstream. */
export function incidentNotice(over: Partial<IncidentNotice> = {}): IncidentNotice {
  return {
    incidentId: '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01', change: 'opened', title: 'Freshness anomaly on ORDERS',
    severity: 'SEV-1', status: 'open', rawStatus: null, type: 'freshness', source: 'montecarlo',
    sourceUrl: 'https://getmontecarlo.com/alerts/7f1e', owner: 'ana@example.com',
    assets: [{ qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS', url: 'https://tributary.example/v1/assets/snowflake%2Facme%2FANALYTICS%2FPUBLIC%2FORDERS', owner: 'ana@example.com' }],
    downstream: { count: 3, owners: [{ owner: 'bi@example.com', assets: 2 }] },
    changedAt: new Date('2026-12-03T10:00:00Z'),
    ...over,
  };
}

/** An owner-loss notice for tests: Ana deactivated, 3 assets listed and 2 more. */
export function ownerLossNotice(over: Partial<OwnerLossNotice> = {}): OwnerLossNotice {
  const asset = (name: string) => ({ qualifiedName: `snowflake/acme/ANALYTICS/PUBLIC/${name}`, typeName: 'Table',
    url: `https://tributary.example/v1/assets/${encodeURIComponent(`snowflake/acme/ANALYTICS/PUBLIC/${name}`)}` });
  return {
    lossId: '0190e4a4-7c1e-7d2a-9f00-6a1b2c3d4e5f', kind: 'person', who: 'Ana Lima (ana@example.com)', owners: ['ana@example.com'],
    reason: 'deactivated', assets: [asset('ORDERS'), asset('CUSTOMERS'), asset('PAYMENTS')], more: 2, at: new Date('2026-12-03T10:00:00Z'),
    ...over,
  };
}

/** Outbound HTTP as the platform's policy has it, allowed to reach the fakes, with a short total timeout (the `hang` fault). */
export const fakeOutbound = () => localOutbound({ timeoutMs: 1_000 });

/** The TargetError a call throws (fails the test if it throws none, or something else). */
export async function targetError(promise: Promise<unknown>): Promise<TargetError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TargetError) return err;
    throw err;
  }
  throw new Error('expected a TargetError');
}

/**
 * What every target connector must do against a fake of its destination. `refs`: whether the
 * destination returns something to edit later (Slack bot token, Jira, Freshdesk) or every send is a
 * new message (Teams Workflows, Slack incoming webhooks).
 */
export function describeTargetContract<C>(name: string, target: TargetConnector<C>, start: () => Promise<TargetFake<C>>, refs: boolean): void {
  describe(`${name}: the target-connector contract`, () => {
    let fake: TargetFake<C>;
    const http = fakeOutbound();
    const text = (i: number) => fake.items()[i].texts.join('\n');

    beforeEach(async () => {
      fake = await start();
    });
    afterEach(async () => {
      await fake.stop();
    });

    it('accepts its own fake\'s config', () => {
      expect(target.configSchema.safeParse(fake.config).success).toBe(true);
    });

    it('opens one message or ticket that shows the incident: title, severity, asset, downstream count', async () => {
      const answer = await target.open(fake.config, http, incidentNotice());
      expect(fake.items()).toHaveLength(1);
      expect(text(0)).toContain('Freshness anomaly on ORDERS');
      expect(text(0)).toContain('SEV-1');
      expect(text(0)).toContain('snowflake/acme/ANALYTICS/PUBLIC/ORDERS');
      expect(text(0)).toMatch(/\b3\b/);
      expect(answer.ref === null).toBe(!refs);
    });

    it('puts a later change on the same message or ticket when it has a ref, and shows it resolved', async () => {
      const { ref } = await target.open(fake.config, http, incidentNotice());
      await target.update(fake.config, http, ref, incidentNotice({ change: 'updated', severity: 'SEV-2', rawStatus: 'investigating' }));
      await target.update(fake.config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved', severity: 'SEV-2' }));
      if (refs) {
        expect(fake.items()).toHaveLength(1);
        expect(fake.items()[0].texts.length).toBeGreaterThanOrEqual(2);
        expect(fake.items()[0].resolved).toBe(true);
        expect(text(0)).toContain('SEV-2');
      } else {
        expect(fake.items()).toHaveLength(3);
        expect(fake.items()[2].resolved).toBe(true);
      }
    });

    it('sends a digest as one message or ticket naming every incident', async () => {
      const incidents = [1, 2, 3].map((n) => incidentNotice({ incidentId: `0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e0${n}`, title: `Volume drop ${n}` }));
      await target.digest(fake.config, http, { from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:01:00Z'), incidents });
      expect(fake.items()).toHaveLength(1);
      for (const n of [1, 2, 3]) expect(text(0)).toContain(`Volume drop ${n}`);
    });

    it('announces an owner lost as one message or ticket naming them, the reason and every listed asset, and how many more', async () => {
      await target.announce(fake.config, http, ownerLossNotice());
      expect(fake.items()).toHaveLength(1);
      expect(text(0)).toContain('Ana Lima');
      expect(text(0)).toContain('deactivated');
      for (const name of ['ORDERS', 'CUSTOMERS', 'PAYMENTS']) expect(text(0)).toContain(`snowflake/acme/ANALYTICS/PUBLIC/${name}`);
      expect(text(0)).toMatch(/and 2 more/);
      expect(fake.items()[0].resolved).toBe(false);
    });

    it('gives an owner-loss notice the same answers to faults: 5xx later, 429 after, a wrong request never, creating nothing', async () => {
      fake.failNext({ kind: 'server_error' });
      expect((await targetError(target.announce(fake.config, http, ownerLossNotice()))).retry).toBe('later');
      fake.failNext({ kind: 'rate_limited', retryAfterSeconds: 3 });
      const limited = await targetError(target.announce(fake.config, http, ownerLossNotice()));
      expect([limited.retry, limited.retryAfterMs]).toEqual(['after', 3000]);
      fake.failNext({ kind: 'permanent' });
      const error = await targetError(target.announce(fake.config, http, ownerLossNotice()));
      expect(error.retry).toBe('never');
      for (const secret of fake.secrets) expect(error.answer).not.toContain(secret);
      expect(fake.items()).toHaveLength(0);
    });

    it('sends a test message or ticket and says what the destination answered', async () => {
      const answer = await target.test(fake.config, http);
      expect(fake.items()).toHaveLength(1);
      expect(answer.answer.length).toBeGreaterThan(0);
    });

    it('calls a 5xx retryable later, and a timeout too, creating nothing', async () => {
      fake.failNext({ kind: 'server_error' });
      expect((await targetError(target.open(fake.config, http, incidentNotice()))).retry).toBe('later');
      fake.failNext({ kind: 'hang' });
      expect((await targetError(target.open(fake.config, http, incidentNotice()))).retry).toBe('later');
      expect(fake.items()).toHaveLength(0);
    });

    it('calls a 429 retryable after its Retry-After, or after a backoff when it gave none', async () => {
      fake.failNext({ kind: 'rate_limited', retryAfterSeconds: 7 });
      const limited = await targetError(target.open(fake.config, http, incidentNotice()));
      expect([limited.retry, limited.retryAfterMs]).toEqual(['after', 7000]);
      fake.failNext({ kind: 'rate_limited', retryAfterSeconds: null });
      const bare = await targetError(target.open(fake.config, http, incidentNotice()));
      expect([bare.retry, bare.retryAfterMs]).toEqual(['after', null]);
      expect(fake.items()).toHaveLength(0);
    });

    it('calls a wrong request or connector permanent, with the destination\'s own error and no secret', async () => {
      fake.failNext({ kind: 'permanent' });
      const error = await targetError(target.open(fake.config, http, incidentNotice()));
      expect(error.retry).toBe('never');
      expect(error.answer.length).toBeGreaterThan(0);
      for (const secret of fake.secrets) expect(error.answer).not.toContain(secret);
      expect(fake.items()).toHaveLength(0);
    });

    it('answers without any secret in what it reports', async () => {
      const answers = [await target.open(fake.config, http, incidentNotice()), await target.test(fake.config, http)];
      for (const a of answers) for (const secret of fake.secrets) expect(JSON.stringify(a)).not.toContain(secret);
    });

    if (refs) {
      it('calls a ref it cannot use permanent, not a crash', async () => {
        const wrong: DeliveryRef = { unexpected: 'x' };
        expect((await targetError(target.update(fake.config, http, wrong, incidentNotice({ change: 'updated' })))).retry).toBe('never');
      });
    }
  });
}
