// The few values init asks for: what every template leaves to change. A template without a key
// (no database, a SQL Server instance instead of a port) is not asked for it.
import type { KeyPath } from './fill.js';

export interface Field {
  key: 'baseUrl' | 'clientId' | 'clientSecret' | 'dbHost' | 'dbPort' | 'dbName' | 'dbUser' | 'dbPassword' | 'documentsRoot';
  at: KeyPath;
  /** The command-line option that gives it when init cannot ask (not in a terminal). */
  flag: string;
  message: string;
  /** Must be given: the template's value is only an example. Otherwise the template's stays. */
  required: boolean;
  /** A secret: stored in the secret store, the file gets a ${secret:} reference. */
  secret?: { suffix: string; what: string };
  number?: boolean;
}

export const FIELDS: Field[] = [
  { key: 'baseUrl', at: ['clearnox', 'baseUrl'], flag: '--base-url', message: 'Clearnox API address', required: false },
  { key: 'clientId', at: ['clearnox', 'clientId'], flag: '--client-id', message: 'Clearnox client id (Configure > Connector Configuration)', required: true },
  { key: 'clientSecret', at: ['clearnox', 'clientSecret'], flag: '--client-secret-stdin', message: 'Clearnox client secret', required: false, secret: { suffix: 'clearnox-client-secret', what: 'the Clearnox client secret' } },
  { key: 'dbHost', at: ['source', 'host'], flag: '--db-host', message: 'Database server (name or address)', required: true },
  { key: 'dbPort', at: ['source', 'port'], flag: '--db-port', message: 'Database port', required: false, number: true },
  { key: 'dbName', at: ['source', 'database'], flag: '--db-name', message: 'Database name', required: true },
  { key: 'dbUser', at: ['source', 'user'], flag: '--db-user', message: 'Database user (one that may only read)', required: false },
  { key: 'dbPassword', at: ['source', 'password'], flag: '--db-password-stdin', message: 'Database password', required: false, secret: { suffix: 'db-password', what: 'the database password' } },
  { key: 'documentsRoot', at: ['documents', 'root'], flag: '--documents-root', message: 'Folder of the PDFs (a UNC path such as \\\\FILESRV\\Invoices on Windows)', required: true },
];

/** Secret names after the mapping file's, so that two customers' files on one server keep theirs apart. */
export function secretName(outFile: string, suffix: string): string {
  const stem = (outFile.split(/[\\/]/).pop() ?? '')
    .replace(/\.ya?ml$/i, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|[-.]+$/g, '')
    .slice(0, 60);
  return stem ? `${stem}-${suffix}` : suffix;
}
