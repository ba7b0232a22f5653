// SQL Server as far as the suite goes without a server (none can run on these machines): the
// statements knex compiles for it, batching and its parameter limit, the refusals before connecting.
import { describeSourceConformance } from './source-conformance.js';
import { loadMssqlDriver, MSSQL_MAX_PARAMETERS, mssqlAdapter, mssqlDialect, mssqlSettings, mssqlTarget } from '../../../adapters/database/mssql.js';
import { freePort } from '../../services/local-server.js';

const options = async () => mssqlAdapter.optionsSchema.parse({ host: '127.0.0.1', port: await freePort(), database: 'BIJOU', user: 'clearnox', password: 'pw-not-shown-9182' });

describeSourceConformance('SQL Server', {
  adapter: mssqlAdapter,
  client: 'mssql',
  dialect: async () => mssqlDialect(mssqlTarget(mssqlSettings(await options(), await loadMssqlDriver()), false)),
  maxParameters: MSSQL_MAX_PARAMETERS,
  // 2,100 parameters a request; sp_executesql, which tedious runs statements through, takes 2.
  serverLimit: 2_098,
  quoted: (name) => `[${name}]`,
  unreachable: options,
});
