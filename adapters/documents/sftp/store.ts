import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ConnectConfig } from 'ssh2';
import {
  AdapterConfigError,
  CredentialsRefusedError,
  DocumentError,
  UntrustedServerError,
  type AdapterContext,
  type DocumentStore,
  type DocumentStoreAdapter,
  type ListedFile,
} from '../../types.js';
import { walkTree, type TreeEntry } from '../list-tree.js';
import { storeSegments } from '../store-path.js';
import { ConnectionLost, backoff, type SftpConnection } from './connection.js';
import { hostKeyRefusal, hostVerifier, normaliseFingerprint } from './host-key.js';
import { SftpOptions } from './options.js';
import { SftpPool, type Lease } from './pool.js';
import { SftpReadStream } from './read-stream.js';

export const sftpAdapter: DocumentStoreAdapter<SftpOptions> = {
  type: 'sftp',
  description: 'A folder on an SFTP server (SSH), checked against its pinned host key.',
  optionsSchema: SftpOptions,
  async open(options, ctx) {
    const pinned = pinnedFingerprints(options);
    const auth = await authOptions(options, ctx);
    const where = `${options.host}:${options.port}`;
    let firstConnect = true;
    let lastVerifier: ReturnType<typeof hostVerifier> | undefined;
    const pool = new SftpPool({
      connections: options.connections,
      perConnection: options.transfersPerConnection,
      retries: options.retries,
      timeoutMs: options.operationTimeoutSeconds * 1000,
      onDrop: (why) => ctx.log.warn({ server: where, why }, `SFTP connection to ${where} lost (${why}); files in flight are retried.`),
      connect: async () => {
        const verifier = hostVerifier(pinned);
        lastVerifier = verifier;
        return {
          host: options.host,
          port: options.port,
          username: options.username,
          ...auth,
          hostVerifier: verifier.verify,
          readyTimeout: options.connectTimeoutSeconds * 1000,
          keepaliveInterval: options.keepaliveSeconds * 1000,
          keepaliveCountMax: 3,
        } satisfies ConnectConfig;
      },
      connectError: (e) => {
        const error = connectError(e, options, where, pinned, lastVerifier?.seen());
        // A refused key or login stays refused; a network failure later in the run is retried.
        if (!(error instanceof DocumentError) || firstConnect) return error;
        return new ConnectionLost(error.message, { cause: e });
      },
    });
    try {
      const root = await pool.run(async (conn) => {
        const missing = (e: unknown) => {
          if (e instanceof ConnectionLost) throw e;
          throw new AdapterConfigError(
            `documents.root: the folder "${options.root}" does not exist on ${where} or the account ${options.username} cannot open it (${sftpReason(e)}).`,
          );
        };
        const real = await conn.realpath(options.root).catch(missing);
        const info = await conn.stat(real).catch(missing);
        if (!info.isDirectory()) throw new AdapterConfigError(`documents.root: "${options.root}" on ${where} is a file, not a folder.`);
        return real;
      });
      firstConnect = false;
      return new SftpStore(pool, root, `sftp://${options.username}@${where}${root}`);
    } catch (e) {
      await pool.close();
      throw e;
    }
  },
};

function pinnedFingerprints(options: SftpOptions): string[] {
  const raw = options.hostKeyFingerprint === undefined ? [] : ([] as string[]).concat(options.hostKeyFingerprint);
  return raw.map((f) => {
    const n = normaliseFingerprint(f);
    if (!n) {
      throw new AdapterConfigError(
        `documents.hostKeyFingerprint: "${f}" is not a SHA-256 fingerprint. Write it as ssh-keygen -l prints it, e.g. SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (MD5 fingerprints are not accepted).`,
      );
    }
    return n;
  });
}

async function authOptions(options: SftpOptions, ctx: AdapterContext): Promise<Partial<ConnectConfig>> {
  const auth: Partial<ConnectConfig> = {};
  if (options.password) auth.password = options.password;
  if (options.privateKeyFile) {
    const file = path.resolve(ctx.baseDir, options.privateKeyFile);
    try {
      auth.privateKey = await readFile(file);
    } catch (e) {
      throw new AdapterConfigError(
        `documents.privateKeyFile: cannot read the key file (${(e as NodeJS.ErrnoException).code ?? String(e)}); the path is relative to the mapping file's folder, and the account that runs clearnox-sync must be allowed to read it.`,
      );
    }
    if (options.passphrase) auth.passphrase = options.passphrase;
  } else if (options.passphrase) {
    throw new AdapterConfigError('documents.passphrase is set but documents.privateKeyFile is not: the passphrase unlocks a key file.');
  }
  if (options.agent !== undefined && options.agent !== false) {
    const agent = agentPath(options);
    if (!agent) {
      throw new AdapterConfigError('documents.agent is true but SSH_AUTH_SOCK is not set for this account: give the agent socket path, or use privateKeyFile.');
    }
    auth.agent = agent;
  }
  if (!auth.password && !auth.privateKey && !auth.agent) {
    throw new AdapterConfigError('documents: give password, privateKeyFile or agent so that clearnox-sync can log in to the SFTP server.');
  }
  return auth;
}

/** Where ssh2 asks the agent: true means SSH_AUTH_SOCK, on Windows the OpenSSH agent service's pipe. */
function agentPath(options: SftpOptions): string | undefined {
  if (options.agent !== true) return options.agent || undefined;
  return process.env.SSH_AUTH_SOCK ?? (process.platform === 'win32' ? '\\\\.\\pipe\\openssh-ssh-agent' : undefined);
}

function connectError(e: unknown, options: SftpOptions, where: string, pinned: string[], seen: ReturnType<ReturnType<typeof hostVerifier>['seen']>): Error {
  const message = (e as Error)?.message ?? String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  // The login was never attempted: the password went to no one.
  if (seen && !pinned.includes(seen.fingerprint)) return new UntrustedServerError(hostKeyRefusal(where, seen, pinned));
  if (/authentication methods failed/i.test(message)) {
    const tried = [options.password && 'password', options.privateKeyFile && 'key file', options.agent && 'agent'].filter(Boolean).join(', ');
    return new CredentialsRefusedError(
      `documents.username: the SFTP server ${where} refused the login of "${options.username}" (tried: ${tried}). Check the user name and the password or key, and that the key is in the account's authorized_keys.`,
    );
  }
  // No agent runs there: a server out of reach would be retried by the next run, this never heals.
  if (/Failed to connect to agent|Pageant is not running/i.test(message)) {
    const at = agentPath(options);
    const start =
      at === 'pageant'
        ? 'Start Pageant in the session of the account that runs clearnox-sync and load the key into it'
        : process.platform === 'win32'
          ? 'Start the service "OpenSSH Authentication Agent" (in PowerShell as administrator: Set-Service ssh-agent -StartupType Automatic; Start-Service ssh-agent), then add the key with ssh-add as the account that runs clearnox-sync'
          : 'Start the agent for the account that runs clearnox-sync and add the key to it (ssh-add)';
    return new AdapterConfigError(`documents.agent: no SSH agent answers at ${at}, so no login was tried. ${start}; or give documents.privateKeyFile instead.`);
  }
  if (/passphrase|encrypted|Cannot parse privateKey/i.test(message)) {
    return new AdapterConfigError(`documents.privateKeyFile: the key cannot be used (${message}); check documents.passphrase.`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new AdapterConfigError(`documents.host: the name "${options.host}" is not known to this machine's DNS. Check its spelling, or write the server's IP address.`);
  // The server is out of reach for now (exit 3, the next run tries again); not retried at once.
  const unreachable = (text: string) => new DocumentError('connection_lost', text, { cause: e });
  if (code === 'ECONNREFUSED') return unreachable(`the SFTP server ${where} refused the connection: nothing listens on that port, or a firewall refuses it (documents.host, documents.port).`);
  if (/timed out/i.test(message) || code === 'ETIMEDOUT') return unreachable(`the SFTP server ${where} did not answer in time (${message}); check the address, the firewall and documents.connectTimeoutSeconds.`);
  return unreachable(`cannot connect to the SFTP server ${where}: ${message}`);
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02): 2 no such file, 3 permission denied. */
function sftpReason(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (code === 2) return 'no such file or folder';
  if (code === 3) return 'permission denied';
  return (e as Error)?.message ?? String(e);
}

interface Located {
  /** The path to open: the file itself, or where the link inside the root leads. */
  target: string;
  size: number;
  isFile: boolean;
}

// Round trips are what a store of many small PDFs costs: a folder's real path is asked once per
// run, a file costs one lstat (plus a realpath only when it is a link), and what stat() learnt
// is what open() uses.
class SftpStore implements DocumentStore {
  private readonly folders = new Map<string, Promise<string>>();
  private readonly located = new Map<string, Located>();

  constructor(
    private readonly pool: SftpPool,
    private readonly root: string,
    readonly description: string,
  ) {}

  async stat(p: string) {
    return this.guard(p, async () => {
      const found = await this.pool.run((conn) => this.locate(conn, this.fullPath(p), p));
      if (!found.isFile) throw new DocumentError('unreadable', `"${p}" is not a file`);
      return { size: found.size };
    });
  }

  async open(p: string): Promise<Readable> {
    return this.guard(p, async () => {
      const full = this.fullPath(p);
      for (let attempt = 0; ; attempt++) {
        let lease: Lease | undefined;
        try {
          lease = await this.pool.lease();
          const found = this.located.get(full) ?? (await this.locate(lease.conn, full, p));
          const handle = await lease.conn.openRead(found.target);
          return new SftpReadStream(this.pool, found.target, { lease, handle }, (e) => this.mapError(e, p), found.size);
        } catch (e) {
          lease?.release();
          if (!(e instanceof ConnectionLost) || attempt >= this.pool.retries) throw e;
          lease?.conn.markLost(e.message);
        }
        await backoff(attempt + 1);
      }
    });
  }

  // A link inside the root may point anywhere: the server resolves it, the result must stay under the root.
  private async locate(conn: SftpConnection, full: string, p: string): Promise<Located> {
    const folder = path.posix.dirname(full);
    let real = this.folders.get(folder);
    if (!real) {
      real = conn.realpath(folder).then((r) => this.inside(r, p));
      this.folders.set(folder, real);
      real.catch(() => this.folders.delete(folder));
    }
    await real;
    const info = await conn.lstat(full);
    let found: Located;
    if (info.isSymbolicLink()) {
      const target = this.inside(await conn.realpath(full), p);
      const linked = await conn.stat(target);
      found = { target, size: linked.size, isFile: linked.isFile() };
    } else {
      found = { target: full, size: info.size, isFile: info.isFile() };
    }
    this.located.set(full, found);
    return found;
  }

  private inside(real: string, p: string): string {
    if (real !== this.root && !real.startsWith(this.root.endsWith('/') ? this.root : `${this.root}/`)) {
      throw new DocumentError('outside_root', `"${p}" leads outside the store root through a link`);
    }
    return real;
  }

  async *list(folder: string): AsyncIterable<ListedFile> {
    const start = folder.trim() === '' ? [] : storeSegments(folder);
    const readDir = async function* (this: SftpStore, segments: string[]): AsyncIterable<TreeEntry> {
      const dir = path.posix.join(this.root, ...segments);
      const entries: TreeEntry[] = [];
      await this.guard(segments.join('/'), () =>
        this.pool.run(async (conn) => {
          entries.length = 0;
          if (segments === start) this.inside(await conn.realpath(dir), folder);
          const handle = await conn.openDir(dir);
          try {
            for (let batch = await conn.readDir(handle); batch; batch = await conn.readDir(handle)) {
              for (const { filename, attrs } of batch) {
                entries.push({ name: filename, kind: attrs.isFile() ? 'file' : attrs.isDirectory() ? 'dir' : 'other' });
              }
            }
          } finally {
            await conn.closeHandle(handle).catch(() => undefined);
          }
        }),
      );
      yield* entries;
    };
    yield* walkTree(start, readDir.bind(this));
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private fullPath(p: string): string {
    return path.posix.join(this.root, ...storeSegments(p));
  }

  private async guard<T>(p: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw this.mapError(e, p);
    }
  }

  private mapError(e: unknown, p: string): Error {
    if (e instanceof DocumentError) return e;
    if (e instanceof ConnectionLost) return new DocumentError('connection_lost', `the connection was lost while reading "${p}" (${e.message})`, { cause: e });
    const code = (e as { code?: unknown })?.code;
    if (code === 2) return new DocumentError('not_found', `no file at "${p}"`, { cause: e });
    if (code === 3) return new DocumentError('permission_denied', `permission denied reading "${p}"`, { cause: e });
    return new DocumentError('unreadable', `cannot read "${p}": ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}
