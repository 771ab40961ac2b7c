import { sql } from 'kysely';
import { TenantTx } from '../database';

export interface ClassificationRow {
  assetId: number;
  name: string;
  source: 'direct' | 'propagated';
  propagate: boolean;
  propagatedFrom: string | null;
  ruleId: string | null;
  depth: number | null;
}

export class ClassificationsRepository {
  /** The direct tags of these assets: asset id → tag name → its propagate flag. */
  async directOf(tx: TenantTx, assetIds: number[]): Promise<Map<number, Map<string, boolean>>> {
    const held = new Map<number, Map<string, boolean>>(assetIds.map((id) => [id, new Map()]));
    if (assetIds.length === 0) return held;
    const rows = await tx.db.selectFrom('classifications').select(['asset_id', 'name', 'propagate'])
      .where('tenant_id', '=', tx.tenantId).where('asset_id', 'in', assetIds).where('source', '=', 'direct').execute();
    for (const r of rows) held.get(Number(r.asset_id))?.set(r.name, r.propagate);
    return held;
  }

  /** Adds direct tags, or changes their propagate flag where they are already there. */
  async upsertDirect(tx: TenantTx, tags: { assetId: number; name: string; propagate: boolean }[]): Promise<void> {
    if (tags.length === 0) return;
    await sql`INSERT INTO classifications (tenant_id, asset_id, name, source, propagate)
              SELECT ${tx.tenantId}, u.asset_id, u.name, 'direct', u.propagate
              FROM unnest(${tags.map((t) => t.assetId)}::bigint[], ${tags.map((t) => t.name)}::text[], ${tags.map((t) => t.propagate)}::boolean[])
                AS u(asset_id, name, propagate)
              ON CONFLICT (tenant_id, asset_id, name) WHERE source = 'direct'
              DO UPDATE SET propagate = EXCLUDED.propagate`.execute(tx.db);
  }

  async deleteDirect(tx: TenantTx, tags: { assetId: number; name: string }[]): Promise<void> {
    if (tags.length === 0) return;
    await sql`DELETE FROM classifications c
              USING unnest(${tags.map((t) => t.assetId)}::bigint[], ${tags.map((t) => t.name)}::text[]) AS u(asset_id, name)
              WHERE c.tenant_id = ${tx.tenantId} AND c.asset_id = u.asset_id AND c.name = u.name AND c.source = 'direct'`.execute(tx.db);
  }

  /**
   * Removes the direct tags of the given assets, without a trace: for an asset created again, whose
   * old life's tags ended with its `asset.deleted`. (Propagated ones belong to the rules, which
   * retract them when the asset's edges go.)
   */
  async deleteAllDirect(tx: TenantTx, assetIds: number[]): Promise<void> {
    if (assetIds.length === 0) return;
    await tx.db.deleteFrom('classifications')
      .where('tenant_id', '=', tx.tenantId).where('asset_id', 'in', assetIds).where('source', '=', 'direct').execute();
  }

  /** The tags of the given assets, direct first, with the qualified name each propagated one came from. */
  async forAssets(tx: TenantTx, assetIds: number[]): Promise<ClassificationRow[]> {
    if (assetIds.length === 0) return [];
    const rows = await sql<{
      asset_id: number; name: string; source: 'direct' | 'propagated'; propagate: boolean;
      propagated_from: string | null; rule_id: string | null; depth: number | null;
    }>`
      SELECT c.asset_id, c.name, c.source, c.propagate, src.qualified_name AS propagated_from, c.rule_id, c.depth
      FROM classifications c
      LEFT JOIN assets src ON src.id = c.propagated_from_id AND src.tenant_id = c.tenant_id
      WHERE c.tenant_id = ${tx.tenantId} AND c.asset_id = ANY (${assetIds}::bigint[])
      ORDER BY c.asset_id, c.source, c.name, src.qualified_name`.execute(tx.db);
    return rows.rows.map((r) => ({
      assetId: r.asset_id, name: r.name, source: r.source, propagate: r.propagate,
      propagatedFrom: r.propagated_from, ruleId: r.rule_id, depth: r.depth,
    }));
  }
}
