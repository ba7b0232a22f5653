// Connection keys that the server databases share, described for the JSON Schema an editor shows.
// A connection string is accepted where the ecosystem uses one; its password must then be a
// reference too (the mapping loader refuses a literal one).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { connectionString, secret } from '../../src/mapping/secret-keys.js';
import { AdapterConfigError, type AdapterContext } from '../types.js';
import type { Target } from './errors.js';

export function serverShape(engine: string, defaultPort: number, connectionStringExample: string) {
  return {
    host: z.string().min(1).optional().describe(`Name or IP address of the machine running ${engine}.`),
    port: z.number().int().min(1).max(65_535).optional().describe(`TCP port of the server (default ${defaultPort}).`),
    database: z.string().min(1).optional().describe('Name of the database holding the accounting data.'),
    user: z.string().min(1).optional().describe('Database user; give it read access only (see the GRANT in docs/databases.md).'),
    password: secret(z.string().min(1))
      .optional()
      .describe('Password of the user: a reference such as `${env:ERP_DB_PASSWORD}` or `${file:db-password.txt}`, never the password itself.'),
    connectionString: connectionString(z.string().min(1))
      .optional()
      .describe(`Instead of host, port, database, user and password: \`${connectionStringExample}\` (the password as a reference).`),
    connectTimeoutSeconds: z.number().positive().max(600).default(15).describe('How long to wait for the server to accept the connection.'),
  };
}

export interface ServerOptions {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  connectionString?: string;
}

/** Either a connection string or the separate keys; a mix would leave it unclear which one wins. */
export function requireServerKeys(o: ServerOptions, needed: (keyof ServerOptions)[] = ['host', 'database', 'user']): void {
  if (o.connectionString) {
    const both = (['host', 'port', 'database', 'user', 'password'] as const).filter((k) => o[k] !== undefined);
    if (both.length > 0) {
      throw new AdapterConfigError(`source: give either connectionString or ${both.join(', ')}, not both.`);
    }
    if (userInfoCut(o.connectionString)) {
      throw new AdapterConfigError(
        'source.connectionString: an @ comes after a /, ? or #, so the user name and password would be read as part of the server name or the database. ' +
          'Write a password holding one of / ? # @ % URL-encoded (%2F %3F %23 %40 %25), or as a reference such as ${env:ERP_DB_PASSWORD}, whose value is encoded when it is put in.',
      );
    }
    return;
  }
  const missing = needed.filter((k) => !o[k]);
  if (missing.length > 0) {
    throw new AdapterConfigError(`source: ${missing.map((k) => `source.${k}`).join(', ')} missing; give them, or source.connectionString.`);
  }
}

/** A certificate file named in the mapping file, read now so that a wrong path is a clear error. */
export async function readCertificate(key: string, file: string | undefined, ctx: AdapterContext): Promise<string | undefined> {
  if (!file) return undefined;
  const full = path.resolve(ctx.baseDir, file);
  try {
    return await readFile(full, 'utf8');
  } catch {
    throw new AdapterConfigError(`${key}: cannot read the certificate file ${full}.`);
  }
}

/**
 * A URL whose user info ends before its last @: a password holding / ? or # unencoded. The parts a
 * URL parser then finds (host, database) are pieces of the password.
 */
function userInfoCut(connectionString: string): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^]*)$/i.exec(connectionString);
  return m !== null && /[/?#][^]*@/.test(m[1]!);
}

/** Host, port, user and database of a URL-style connection string, for messages. */
export function urlParts(connectionString: string): { host?: string; port?: string; user?: string; database?: string } {
  if (userInfoCut(connectionString)) return {};
  try {
    const url = new URL(connectionString);
    return {
      host: url.hostname || undefined,
      port: url.port || undefined,
      user: decodeURIComponent(url.username) || undefined,
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    };
  } catch {
    return {};
  }
}

/** Where a URL-or-keys server connects, for messages. */
export function serverTarget(engine: string, defaultPort: number, o: ServerOptions): Target {
  const url = o.connectionString ? urlParts(o.connectionString) : {};
  return {
    engine,
    host: url.host ?? o.host,
    port: url.port ?? o.port ?? defaultPort,
    user: url.user ?? o.user,
    database: url.database ?? o.database,
    viaConnectionString: Boolean(o.connectionString),
  };
}

/** Node TLS options for the four usual modes: off, encrypted only, CA checked, CA and host name checked. */
export function tlsOptions(mode: 'off' | 'encrypt' | 'verify-ca' | 'verify-full', ca: string | undefined) {
  if (mode === 'off') return undefined;
  if (mode === 'encrypt') return { rejectUnauthorized: false };
  return { rejectUnauthorized: true, ...(ca ? { ca } : {}), ...(mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}) };
}
