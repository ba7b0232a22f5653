// Shared by every knex-backed database adapter: one query per batch with the numbers bound as
// list parameters, never interpolated. knex does not expand an array bound to `:name`, so each
// list is bound as a nested raw of `?, ?, ...` with its values.
import knexFactory, { type Knex } from 'knex';
import { AdapterConfigError, type DatabaseSource, type LookupBatch, type SourceQuery, type SourceRow } from '../types.js';
import { readOnlyProblem } from './sql-guard.js';

export class QueryRefusedError extends AdapterConfigError {}

export function checkQuery(query: SourceQuery): void {
  const problem = readOnlyProblem(query.sql);
  if (problem) throw new QueryRefusedError(`source.query refused: ${problem}.`);
}

export class KnexSource implements DatabaseSource {
  constructor(
    private readonly db: Knex,
    private readonly query: SourceQuery,
    readonly maxBatchSize: number,
  ) {}

  async lookup(batch: LookupBatch): Promise<SourceRow[]> {
    const bindings = { documentNumbers: this.list(batch.documentNumbers), normalizedNumbers: this.list(batch.normalizedNumbers) };
    const result: unknown = await this.db.raw(this.query.sql, bindings);
    return rowsOf(result);
  }

  private list(values: string[]): Knex.Raw {
    return this.db.raw(values.map(() => '?').join(', '), values);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

// knex.raw answers in each driver's own shape.
function rowsOf(result: unknown): SourceRow[] {
  if (Array.isArray(result)) {
    // mysql2: [rows, fields]; better-sqlite3 and mssql: rows
    if (result.length === 2 && Array.isArray(result[0]) && Array.isArray(result[1])) return result[0] as SourceRow[];
    return result as SourceRow[];
  }
  if (result && typeof result === 'object' && Array.isArray((result as { rows?: unknown }).rows)) {
    return (result as { rows: SourceRow[] }).rows;
  }
  return [];
}

export function createKnex(config: Knex.Config): Knex {
  return knexFactory(config);
}
