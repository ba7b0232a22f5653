// No SQL Server runs here: knex's real SQL Server client and tedious's own Request objects are
// used, with only the connection to the server replaced by one that records each statement and
// answers with the rows a test gives, as a server would stream them.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const MssqlClient = require('knex/lib/dialects/mssql/index.js') as { prototype: Record<string, unknown> };

export type MssqlAnswer = (sql: string, database: string) => object[] | Error;

export interface SentStatement {
  database: string;
  sql: string;
  parameters: unknown[];
}

type TediousRequest = EventEmitter & { sqlTextOrProcedure: string; parameters: { value: unknown }[]; callback(err: Error | null, rowCount?: number): void };

/** What a tedious Connection does for knex: execSql(request) streams rows, then calls back. */
class RecordingConnection extends EventEmitter {
  state = { name: 'LoggedIn' };
  connected = true;
  constructor(
    readonly database: string,
    private readonly answer: MssqlAnswer,
    private readonly sent: SentStatement[],
  ) {
    super();
  }
  execSql(request: TediousRequest): void {
    this.sent.push({ database: this.database, sql: request.sqlTextOrProcedure, parameters: request.parameters.map((p) => p.value) });
    const answer = this.answer(request.sqlTextOrProcedure, this.database);
    setImmediate(() => {
      if (answer instanceof Error) return request.callback(answer);
      for (const row of answer) request.emit('row', Object.entries(row).map(([colName, value]) => ({ metadata: { colName }, value })));
      request.callback(null, answer.length);
    });
  }
  close(): void {
    this.connected = false;
    setImmediate(() => this.emit('end'));
  }
}

/** Until `restore()`, every SQL Server connection knex opens is a recording one answering with `answer`. */
export function recordMssql(answer: MssqlAnswer): { sent: SentStatement[]; closed(): number; restore(): void } {
  const sent: SentStatement[] = [];
  let closed = 0;
  const original = MssqlClient.prototype['acquireRawConnection'];
  MssqlClient.prototype['acquireRawConnection'] = async function (this: { _generateConnection(): { options: { database: string } } }) {
    const connection = new RecordingConnection(this._generateConnection().options.database, answer, sent);
    connection.once('end', () => (closed += 1));
    return connection;
  };
  return {
    sent,
    closed: () => closed,
    restore: () => {
      MssqlClient.prototype['acquireRawConnection'] = original;
    },
  };
}
