// One error model: every error class the program exports names itself and carries the kind that
// decides the exit code, one table maps every kind, and an error of any other class is a bug.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DatabaseUnreachableError, QueryFailedError } from '../adapters/database/errors.js';
import { QueryRefusedError } from '../adapters/database/knex-source.js';
import { ConnectionLost } from '../adapters/documents/sftp/connection.js';
import { AdapterConfigError, CredentialsRefusedError, DocumentError, UntrustedServerError } from '../adapters/types.js';
import {
  ArchiveTooLargeError,
  CredentialsRejectedError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  ImportTimeoutError,
  InvalidRequestError,
  NetworkError,
  NotFoundError,
  ProtocolError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
  type ApiErrorInit,
} from '../src/clearnox/errors.js';
import { FileChangedError } from '../src/clearnox/multipart-body.js';
import { UsageError, exitCodeForError, kindOfError } from '../src/cli/errors.js';
import { EXIT, exitCodeOfKind } from '../src/cli/exit-codes.js';
import { ClearnoxSyncError, ConfigError, ERROR_KINDS, isErrorKind } from '../src/errors.js';
import { MappingError } from '../src/mapping/errors.js';
import { TemplateError } from '../src/match/path-template.js';
import { InterruptedError, abortKind } from '../src/pipeline/classify.js';
import { InvalidDocumentError } from '../src/pipeline/document-check.js';
import { SourceShapeError } from '../src/pipeline/lookup.js';
import { RunBusyError } from '../src/pipeline/run-lock.js';
import { StageError } from '../src/pipeline/stage-error.js';
import { StreamFailure } from '../src/pipeline/zip-sink.js';
import { AlertNotSentError } from '../src/alerts/not-sent.js';
import { BodyTooLarge } from '../src/sandbox/http.js';
import { DpapiError } from '../src/secret-store/dpapi.js';
import { PromptCancelled } from '../src/secret-store/read-value.js';
import { SecretStoreError } from '../src/secret-store/store.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const api: ApiErrorInit = { status: 400, code: 'INVALID_PARAMETER', serverMessage: '', operation: 'entries' };

// One of each exported error class, as the code makes it.
const SAMPLES: Record<string, () => Error> = {
  ConfigError: () => new ConfigError('upload.stateDir'),
  AdapterConfigError: () => new AdapterConfigError('documents.root'),
  CredentialsRefusedError: () => new CredentialsRefusedError('login failed'),
  UntrustedServerError: () => new UntrustedServerError('not pinned'),
  DatabaseUnreachableError: () => new DatabaseUnreachableError('cannot reach'),
  QueryFailedError: () => new QueryFailedError('source.query failed', 2),
  QueryRefusedError: () => new QueryRefusedError('source.query refused'),
  ConnectionLost: () => new ConnectionLost('gone'),
  InvalidRequestError: () => new InvalidRequestError(api),
  UnauthorizedError: () => new UnauthorizedError({ ...api, status: 401, code: 'UNAUTHORIZED' }),
  ForbiddenError: () => new ForbiddenError({ ...api, status: 403, code: 'FORBIDDEN' }),
  NotFoundError: () => new NotFoundError({ ...api, status: 404, code: 'NOT_FOUND' }),
  IdempotencyKeyReusedError: () => new IdempotencyKeyReusedError({ ...api, status: 409, code: 'IDEMPOTENCY_KEY_REUSED' }),
  ArchiveTooLargeError: () => new ArchiveTooLargeError({ ...api, status: 413, code: 'ARCHIVE_TOO_LARGE' }),
  RateLimitedError: () => new RateLimitedError({ ...api, status: 429, code: 'RATE_LIMITED' }),
  ServerError: () => new ServerError({ ...api, status: 503, code: 'UNAVAILABLE' }),
  CredentialsRejectedError: () => new CredentialsRejectedError(401, 'api', 'invalid_client'),
  NetworkError: () => new NetworkError('refused', 'api', 'entries', 'ECONNREFUSED'),
  ProtocolError: () => new ProtocolError('HTML page'),
  ImportTimeoutError: () => new ImportTimeoutError('imp_1', 60_000, 'processing'),
  MappingError: () => new MappingError('/m.yaml', []),
  UsageError: () => new UsageError('--config is given twice'),
  InterruptedError: () => new InterruptedError('SIGTERM'),
  SourceShapeError: () => new SourceShapeError('no column "path"'),
  RunBusyError: () => new RunBusyError('another run'),
  SecretStoreError: () => new SecretStoreError('the secret store may be read by other accounts'),
  DpapiError: () => new DpapiError('Key not valid for use in specified state.'),
  PromptCancelled: () => new PromptCancelled('Cancelled at the prompt'),
  TemplateError: () => new TemplateError('no column "year"'),
  DocumentError: () => new DocumentError('not_found', 'no file'),
  InvalidDocumentError: () => new InvalidDocumentError('not_a_pdf', 'not a PDF'),
  BodyTooLarge: () => new BodyTooLarge('request body over 4096 bytes'),
  StreamFailure: () => new StreamFailure(new DocumentError('connection_lost', 'gone')),
  FileChangedError: () => new FileChangedError('archive-0001.zip changed while it was sent'),
  AlertNotSentError: () => new AlertNotSentError('the webhook at hooks.example.com answered 500'),
  StageError: () => new StageError('reading the documents', new ConnectionLost('gone')),
};

// Failures a run counts per document or a server answers, which never end a run or a command as
// such, an alert that could not be sent (a warning: the run's exit code stays its own), and the
// step a run ended in (StageError, whose kind is its cause's): they name themselves but carry no
// error kind.
const NOT_RUN_ERRORS = new Set(['DocumentError', 'InvalidDocumentError', 'BodyTooLarge', 'StreamFailure', 'AlertNotSentError', 'StageError']);
// Never made as such: only their subclasses are.
const ABSTRACT = new Set(['ClearnoxSyncError', 'ClearnoxError', 'ClearnoxApiError']);
// Read from the source rather than imported: some modules do their work when imported.
async function exportedErrorClasses(): Promise<string[]> {
  const parent = new Map<string, string>();
  for (const top of ['src', 'adapters']) {
    for (const f of await readdir(path.join(root, top), { recursive: true })) {
      if (!f.endsWith('.ts')) continue;
      const text = await readFile(path.join(root, top, f), 'utf8');
      for (const m of text.matchAll(/^export (?:abstract )?class (\w+) extends (\w+)/gm)) parent.set(m[1]!, m[2]!);
    }
  }
  const isError = (name: string, seen = 0): boolean => name === 'Error' || (seen < 10 && parent.has(name) && isError(parent.get(name)!, seen + 1));
  return [...parent.keys()].filter((n) => isError(n)).sort();
}

describe('every exported error class', () => {
  it('is known here, so that a new one cannot go without a name and a kind', async () => {
    const names = (await exportedErrorClasses()).filter((n) => !ABSTRACT.has(n));
    expect(names).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.entries(SAMPLES))('%s names itself and has a kind', (className, make) => {
    const e = make();
    expect(e.name).toBe(className);
    expect(e.constructor.name).toBe(className);
    expect(e.stack?.split('\n')[0]).toMatch(new RegExp(`^${className}: `));
    if (NOT_RUN_ERRORS.has(className)) {
      expect(e).not.toBeInstanceOf(ClearnoxSyncError);
    } else {
      expect(e).toBeInstanceOf(ClearnoxSyncError);
      expect(isErrorKind((e as ClearnoxSyncError).kind)).toBe(true);
      expect(abortKind(e)).toBe((e as ClearnoxSyncError).kind);
    }
  });
});

describe('the table from kind to exit code', () => {
  it('maps every kind to a documented code', () => {
    const documented = new Set<number>(Object.values(EXIT));
    for (const kind of ERROR_KINDS) expect(documented.has(exitCodeOfKind(kind)), kind).toBe(true);
    // Every code but "completed" (0) and "some documents not delivered" (4) is what some kind ends with.
    expect(new Set(ERROR_KINDS.map(exitCodeOfKind))).toEqual(new Set([EXIT.INTERNAL, EXIT.USAGE, EXIT.ABORTED, EXIT.CREDENTIALS]));
  });
});

describe('an error of no known class', () => {
  class ForeignError extends Error {}
  it.each<[string, unknown]>([
    ['a class of its own', new ForeignError('something no stage expects')],
    ['an error whose kind is not one of ours', Object.assign(new Error('x'), { kind: 'fatal' })],
    ['a DocumentError-like error with an unknown reason', Object.assign(new Error('x'), { name: 'DocumentError', kind: 'eaten' })],
    ['a thrown string', 'boom'],
    ['a thrown object with a kind', { kind: 'config' }],
    ['null', null],
    ['undefined', undefined],
  ])('is internal, exit 1: %s', (_what, e) => {
    expect(kindOfError(e)).toBe('internal');
    expect(exitCodeForError(e)).toBe(EXIT.INTERNAL);
  });

  it('of another copy of a module is told by its kind, not by its class', () => {
    const copy = Object.assign(new Error('login failed'), { name: 'CredentialsRefusedError', kind: 'credentials' });
    expect(exitCodeForError(copy)).toBe(EXIT.CREDENTIALS);
    const document = Object.assign(new Error('the share is gone'), { name: 'DocumentError', kind: 'connection_lost' });
    expect(exitCodeForError(document)).toBe(EXIT.ABORTED);
  });
});

describe("the core's own settings", () => {
  it('are a configuration error (exit 2) that does not claim to be an adapter option', () => {
    const e = new ConfigError('upload.stateDir: cannot create the folder');
    expect(e).not.toBeInstanceOf(AdapterConfigError);
    expect(exitCodeForError(e)).toBe(EXIT.USAGE);
    expect(new AdapterConfigError('documents.root')).toBeInstanceOf(ConfigError);
  });
});
