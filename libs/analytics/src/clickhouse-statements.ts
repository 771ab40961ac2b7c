import type { ClickHouseClient } from '@clickhouse/client';

/** The two ways the store talks to ClickHouse: a statement without rows back, and a query read as objects. */
export class ClickHouseStatements {
  constructor(readonly client: ClickHouseClient) {}

  async exec(query: string, params: Record<string, unknown>): Promise<void> {
    await this.client.command({ query, query_params: params });
  }

  async rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    return (await this.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  }

  async insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    if (values.length === 0) return;
    await this.client.insert({ table, values, format: 'JSONEachRow' });
  }
}
