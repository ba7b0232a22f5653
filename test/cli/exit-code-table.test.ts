// One table from what stopped a run to the exit code, used by the run's report and by errors that
// escape a command: the two cannot disagree, and each documented code has its causes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseUnreachableError, QueryFailedError } from '../../adapters/database/errors.js';
import { ConnectionLost } from '../../adapters/documents/sftp/connection.js';
import { builtinAdapters } from '../../adapters/index.js';
import { AdapterConfigError, CredentialsRefusedError, DocumentError, UntrustedServerError, type DocumentStoreAdapter } from '../../adapters/types.js';
import type { ApiErrorCode } from '../../src/clearnox/contract.js';
import {
  CredentialsRejectedError,
  ForbiddenError,
  InvalidRequestError,
  NetworkError,
  ProtocolError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
  type ApiErrorInit,
} from '../../src/clearnox/errors.js';
import { exitCodeForError } from '../../src/cli/errors.js';
import { EXIT, exitCodeFor, exitCodeOfKind } from '../../src/cli/exit-codes.js';
import { repeatedOptions } from '../../src/cli/single-options.js';
import type { ClearnoxApi } from '../../src/pipeline/api.js';
import { createLogger } from '../../src/log.js';
import { loadMapping } from '../../src/mapping/load.js';
import { MappingError } from '../../src/mapping/errors.js';
import { InterruptedError, abortKind } from '../../src/pipeline/classify.js';
import { countResults, type AbortKind, type RunReport } from '../../src/pipeline/report.js';
import { runSync } from '../../src/pipeline/run.js';
import { RunBusyError } from '../../src/pipeline/run-state.js';
import { entry } from '../helpers/entries.js';
import { buildFixture, pdf } from '../helpers/fixture.js';

const api = (status: number, code: ApiErrorCode): ApiErrorInit => ({ status, code, serverMessage: '', operation: 'entries' });

describe('the exit code of each abort kind', () => {
  it.each<[AbortKind, number]>([
    ['config', 2],
    ['credentials', 5],
    ['untrusted', 5],
    ['unreachable', 3],
    ['refused', 3],
    ['interrupted', 3],
    ['busy', 3],
    ['internal', 1],
  ])('%s -> %i', (kind, code) => {
    expect(exitCodeOfKind(kind)).toBe(code);
  });

  it('a report that was not aborted gives 0, or 4 with documents not delivered', () => {
    const counts = { ...countResults([], { uploadedArchives: 1, earlierImports: 0 }), missingEntries: 2, matched: 2, entriesAttached: 2 };
    const report = { counts, abort: undefined } as unknown as RunReport;
    expect(exitCodeFor(report)).toBe(EXIT.OK);
    expect(exitCodeFor({ ...report, counts: { ...counts, fileMissing: 1 } })).toBe(EXIT.UNDELIVERED);
    expect(exitCodeFor({ ...report, abort: { stage: 'x', kind: 'untrusted', message: '' } })).toBe(EXIT.CREDENTIALS);
  });
});

describe('what each failure is', () => {
  it.each<[string, unknown, AbortKind]>([
    ['an unexpected TypeError', new TypeError("Cannot read properties of undefined (reading 'x')"), 'internal'],
    ['a plain Error', new Error('something no stage expects'), 'internal'],
    ['a refused database login', new CredentialsRefusedError('login failed'), 'credentials'],
    ['a refused Clearnox client secret', new CredentialsRejectedError(401, 'api', 'invalid_client'), 'credentials'],
    ['a token refused right after it was issued', new UnauthorizedError(api(401, 'UNAUTHORIZED')), 'credentials'],
    ['a connector without the documents API', new ForbiddenError(api(403, 'FORBIDDEN')), 'credentials'],
    ['an unpinned host key', new UntrustedServerError('not pinned'), 'untrusted'],
    ['a Clearnox certificate that does not verify', new NetworkError('tls', 'api', 'token', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'untrusted'],
    ['Clearnox out of reach', new NetworkError('refused', 'api', 'entries', 'ECONNREFUSED'), 'unreachable'],
    ['the database out of reach', new DatabaseUnreachableError('cannot reach'), 'unreachable'],
    ['an SFTP connection lost', new ConnectionLost('gone'), 'unreachable'],
    ['a store out of reach', new DocumentError('connection_lost', 'cannot reach the file server'), 'unreachable'],
    ['a socket error a driver passes on as it is', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'unreachable'],
    ['a SQL Server connection closed under a query', Object.assign(new Error('Connection is closed.'), { code: 'ECONNCLOSED' }), 'unreachable'],
    ['a PostgreSQL connection the server dropped', new Error('Connection terminated unexpectedly'), 'unreachable'],
    ['Clearnox busy past every repeat', new ServerError(api(503, 'UNAVAILABLE')), 'refused'],
    ['Clearnox rate limit past every repeat', new RateLimitedError(api(429, 'RATE_LIMITED')), 'refused'],
    ['an answer the contract does not allow', new ProtocolError('HTML page'), 'refused'],
    ['filters Clearnox refuses', new InvalidRequestError(api(400, 'INVALID_PARAMETER')), 'config'],
    ['an archive Clearnox finds malformed', new InvalidRequestError({ ...api(400, 'INVALID_METADATA'), operation: 'upload' }), 'internal'],
    ['a query the database refuses', new QueryFailedError('source.query failed'), 'config'],
    ['an adapter option that cannot work', new AdapterConfigError('documents.root'), 'config'],
    ['a folder of the index that is not there', new DocumentError('not_found', 'no folder'), 'config'],
    ['another run in progress', new RunBusyError('busy'), 'busy'],
    ['a stop request', new InterruptedError('SIGTERM'), 'interrupted'],
  ])('%s', (_what, error, kind) => {
    expect(abortKind(error)).toBe(kind);
  });

  it('an error escaping a command gets the code a run would give it', () => {
    expect(exitCodeForError(new CredentialsRejectedError(401, 'api', 'invalid_client'))).toBe(5);
    expect(exitCodeForError(new NetworkError('refused', 'api', 'entries', 'ECONNREFUSED'))).toBe(3);
    expect(exitCodeForError(new MappingError('/m.yaml', []))).toBe(2);
    expect(exitCodeForError(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBe(2);
    expect(exitCodeForError(new TypeError('bug'))).toBe(1);
  });
});

describe('an error no stage expects', () => {
  it('aborts the run as internal (exit 1) with its stack in the log', async () => {
    const fixture = await buildFixture([{ number: 'FA-1', pdf: 'FA-1.pdf', content: pdf('1') }], { baseUrl: 'http://127.0.0.1:9' });
    const logDir = await mkdtemp(path.join(os.tmpdir(), 'cnx-internal-'));
    try {
      const builtin = builtinAdapters();
      const broken: DocumentStoreAdapter = {
        ...builtin.stores.find((s) => s.type === 'local')!,
        open: async () => {
          const options: { root?: { trim(): string } } = {};
          return options.root!.trim() as never;
        },
      };
      const adapters = { ...builtin, stores: builtin.stores.map((s) => (s.type === 'local' ? broken : s)) };
      const loaded = await loadMapping(fixture.mappingPath, adapters);
      const fake: ClearnoxApi = {
        listMissingEntries: async () => [entry('ent_1', 'FA-1')],
        uploadArchive: async () => {
          throw new Error('not reached');
        },
        waitForImport: async () => {
          throw new Error('not reached');
        },
      } as unknown as ClearnoxApi;
      const logFile = path.join(logDir, 'run.log');
      const report = await runSync({ loaded, api: fake, log: createLogger({ console: false, file: logFile }), dryRun: true });
      expect(report.abort).toMatchObject({ stage: 'opening the document store', kind: 'internal' });
      expect(exitCodeFor(report)).toBe(1);
      const line = (await readFile(logFile, 'utf8')).split('\n').find((l) => l.includes('opening the document store'))!;
      expect(JSON.parse(line).msg).toMatch(/internal error \(a bug\)/);
      expect(JSON.parse(line).err).toMatch(/TypeError: Cannot read properties of undefined[\s\S]*\n\s+at /);
    } finally {
      await rm(fixture.dir, { recursive: true, force: true });
      await rm(logDir, { recursive: true, force: true });
    }
  });
});

describe('options given twice', () => {
  it('are found by their long name, once each', () => {
    expect(repeatedOptions({ _: ['run'], $0: 'x', config: ['a.yaml', 'b.yaml'], c: ['a.yaml', 'b.yaml'], 'log-file': 'l', logFile: 'l' })).toEqual([
      { name: 'config', values: ['a.yaml', 'b.yaml'] },
    ]);
  });
});
