// How a test reaches a database server started by a global setup (vitest's provide/inject).
import type {} from 'vitest';
export interface ServerInfo {
  host: string;
  port: number;
  /** An account allowed everything, to build the test schemas. */
  user: string;
  password: string;
  database: string;
  /** Server version as it reports itself. */
  version: string;
  /** The server's self-signed certificate (PEM file), which is also its CA. */
  tlsCert: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ServerInfo;
    mariadb: ServerInfo;
  }
}
