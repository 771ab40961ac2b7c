import type { DirectoryFact, DirectoryService, WriteContext } from '@tributary/catalog';
import { DIRECTORY_FACT_KIND, DirectoryFactValue } from '@tributary/connectors';
import { FactApplier, FactToApply } from './fact-applier';

/**
 * Applies directory facts (people, groups, memberships from Okta's event hooks and backfills) through
 * the DirectoryService: each checked against its schema first (one that fails throws, and the
 * processor parks its record with the reason), then all of them in one transaction with the change
 * events they raise. Redelivered events are duplicates by their source event id; older ones lose to
 * newer by source time (DirectoryService.applyFacts).
 */
export class DirectoryFactApplier implements FactApplier {
  readonly kind = DIRECTORY_FACT_KIND;

  constructor(private readonly directory: DirectoryService) {}

  async apply(ctx: WriteContext, facts: FactToApply[]): Promise<{ applied: number; duplicates: number }> {
    return this.directory.applyFacts(ctx, facts.map((f) => toDirectoryFact(f.fact.value)));
  }
}

function toDirectoryFact(value: unknown): DirectoryFact {
  const parsed = DirectoryFactValue.safeParse(value);
  if (!parsed.success) {
    throw new Error(`the directory fact is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(fact)'}: ${i.message}`).join('; ')}`);
  }
  return { ...parsed.data, time: new Date(parsed.data.time) };
}
