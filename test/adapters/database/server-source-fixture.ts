// PostgreSQL and MariaDB as the source conformance suite asks for them: the ERP databases of
// server-fixture.ts (a reader with SELECT only, the administrator beside it) on the servers of the
// global setup.
import { mysqlAdapter, mysqlDialect, mysqlSettings, mysqlTarget } from '../../../adapters/database/mysql.js';
import { postgresAdapter, postgresDialect, postgresSettings, postgresTarget } from '../../../adapters/database/postgres.js';
import { silentLogger } from '../../../src/log.js';
import { freePort } from '../../services/local-server.js';
import { mariadbErp, postgresErp } from './server-fixture.js';
import type { SourceFixture } from './source-conformance.js';

const ctx = { baseDir: process.cwd(), log: silentLogger };

const ENGINES = {
  postgres: {
    adapter: postgresAdapter,
    client: 'pg',
    make: postgresErp,
    dialect: (o: any) => postgresDialect(postgresTarget(o)),
    settings: postgresSettings,
    quoted: (name: string) => `"${name}"`,
    blobType: 'bytea',
    timestampType: 'timestamp',
    companyKey: 'schema',
  },
  mariadb: {
    adapter: mysqlAdapter,
    client: 'mysql2',
    make: mariadbErp,
    dialect: (o: any) => mysqlDialect(mysqlTarget(o)),
    settings: mysqlSettings,
    quoted: (name: string) => `\`${name}\``,
    blobType: 'LONGBLOB',
    timestampType: 'DATETIME',
    companyKey: 'database',
  },
} as const;

export function serverSourceFixture(engine: keyof typeof ENGINES): SourceFixture {
  const e = ENGINES[engine];
  const unreachable = async () => e.adapter.optionsSchema.parse({ host: '127.0.0.1', port: await freePort(), database: 'erp', user: 'reader', password: 'pw-not-sent-5521' });
  return {
    adapter: e.adapter,
    client: e.client,
    dialect: async () => e.dialect(await unreachable()),
    // 65,535 bind parameters (PostgreSQL) or placeholders (MySQL, MariaDB) a statement, less room for the query's own.
    maxParameters: 65_000,
    serverLimit: 65_535,
    quoted: e.quoted,
    unreachable,
    async database(rows) {
      const erp = await e.make(rows);
      return {
        ctx,
        options: erp.options,
        writerSettings: () => e.settings(erp.options({ user: erp.info.user, password: erp.info.password }), ctx),
        admin: erp.admin,
        blobType: e.blobType,
        timestampType: e.timestampType,
        // MariaDB's reader may read the whole database; PostgreSQL's GRANT covered the tables there were.
        grant: async (table) => {
          if (engine === 'postgres') await erp.admin.raw(`GRANT SELECT ON ${table} TO ${erp.reader.user}`);
        },
        async addCompany(name, companyRows) {
          await erp.addLedger(name, companyRows);
          return { [e.companyKey]: name };
        },
        close: () => erp.close(),
      };
    },
  };
}
