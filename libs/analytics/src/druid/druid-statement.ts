import { SqlPlaceholder, SqlQuery } from 'druid-query-toolkit';

/** A value for one `?` of a Druid SQL statement, with its SQL type. */
export type DruidParameter = { type: 'VARCHAR'; value: string } | { type: 'BIGINT'; value: number };

export interface DruidStatement {
  query: string;
  parameters: DruidParameter[];
}

/**
 * Binds values to placeholders of a query built with druid-query-toolkit. Druid numbers its
 * parameters by the position of each `?` in the text, and a builder renders clauses in SQL's order,
 * not in the order they were built: so each placeholder is rendered with its binding's index in a
 * comment, and `render` lists the values in the order their placeholders appear, then drops the marks.
 */
export class DruidBindings {
  private readonly values: DruidParameter[] = [];

  text(value: string): SqlPlaceholder {
    return this.bind({ type: 'VARCHAR', value });
  }

  long(value: number): SqlPlaceholder {
    return this.bind({ type: 'BIGINT', value });
  }

  render(query: SqlQuery): DruidStatement {
    const text = query.toString();
    const parameters = [...text.matchAll(MARK)].map((m) => this.values[Number(m[1])]);
    return { query: text.replace(MARK, '?'), parameters };
  }

  private bind(parameter: DruidParameter): SqlPlaceholder {
    this.values.push(parameter);
    return new SqlPlaceholder({ customPlaceholder: `?/*${this.values.length - 1}*/` });
  }
}

const MARK = /\?\/\*(\d+)\*\//g;
