// The three ways the whole-run benchmark does the same work: the compiled CLI over SFTP, the same
// over SMB, and bench/plain-tools.sh. Each gets the servers' details here, secrets by environment.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SambaInfo } from '../../test/services/samba.js';
import type { SshdInfo } from '../../test/services/sshd.js';
import { measureTree, type TreeMeasure } from './run-measure.js';
import { LOOKUP_SQL, type ErpDatabase } from './run-data.js';

export type Form = 'sftp' | 'smb' | 'plain';
export const FORMS: readonly Form[] = ['sftp', 'smb', 'plain'];
export const FORM_NAMES: Record<Form, string> = { sftp: 'clearnox-sync, SFTP', smb: 'clearnox-sync, SMB', plain: 'plain tools (sftp -b)' };

export interface Servers {
  sshd: SshdInfo;
  samba: SambaInfo;
  db: ErpDatabase;
  /** Store-relative paths start here, on each server. */
  sftpRoot: string;
  smbFolder: string;
  knownHosts: string;
}

const repo = path.resolve(import.meta.dirname, '../../..');
const cli = path.join(repo, 'dist/src/cli/main.js');
const script = path.join(repo, 'bench/plain-tools.sh');
const SECRET = 'sandbox-secret';

/** The server's ed25519 key as ssh-keyscan sees it, kept only if it is the one the set-up made. */
export function pinHostKey(sshd: SshdInfo, file: string): void {
  const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(sshd.port), sshd.host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const print = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: scanned, encoding: 'utf8' }).split(' ')[1];
  if (print !== sshd.hostFingerprint) throw new Error(`ssh-keyscan saw ${print}, not the test server's ${sshd.hostFingerprint}`);
  writeFileSync(file, scanned);
}

function documentsYaml(form: 'sftp' | 'smb', s: Servers): string {
  if (form === 'sftp') {
    const i = s.sshd;
    return (
      `  type: sftp\n  host: ${i.host}\n  port: ${i.port}\n  username: ${i.username}\n  privateKeyFile: ${i.keyFile}\n` +
      `  hostKeyFingerprint: "${i.hostFingerprint}"\n  root: ${s.sftpRoot}\n`
    );
  }
  const i = s.samba;
  return (
    `  type: smb\n  root: '\\\\${i.host}\\${i.share}\\${s.smbFolder}'\n  port: ${i.port}\n  username: ${i.username}\n` +
    `  password: \${env:BENCH_SMB_PASSWORD}\n  domain: ${i.domain}\n`
  );
}

/** A mapping file as an integrator writes it; its state folder starts empty, as on a first run. */
export async function writeMapping(dir: string, form: 'sftp' | 'smb', sandboxUrl: string, s: Servers): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `bench-${form}.yaml`);
  await writeFile(
    file,
    `clearnox:\n  baseUrl: ${sandboxUrl}\n  clientId: sandbox-client\n  clientSecret: \${env:BENCH_SECRET}\n` +
      `source:\n  type: mysql\n  host: ${s.db.host}\n  port: ${s.db.port}\n  database: ${s.db.database}\n  user: ${s.db.user}\n` +
      `  password: \${env:BENCH_DB_PASSWORD}\n  query: ${LOOKUP_SQL}\n  pathColumn: path\n` +
      `documents:\n${documentsYaml(form, s)}` +
      `upload:\n  stateDir: ${path.join(dir, 'state')}\n`,
  );
  return file;
}

/** One whole run of one form against the sandbox at `sandboxUrl`; `dir` is its own, emptied first. */
export async function runForm(form: Form, dir: string, sandboxUrl: string, s: Servers): Promise<TreeMeasure> {
  if (form === 'plain') {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return measureTree('bash', [script, path.join(dir, 'work')], {
      env: {
        CLEARNOX_URL: sandboxUrl, CLEARNOX_CLIENT_ID: 'sandbox-client', CLEARNOX_CLIENT_SECRET: SECRET,
        DB_HOST: s.db.host, DB_PORT: String(s.db.port), DB_NAME: s.db.database, DB_USER: s.db.user, DB_PASSWORD: s.db.password,
        SFTP_HOST: s.sshd.host, SFTP_PORT: String(s.sshd.port), SFTP_USER: s.sshd.username, SFTP_KEY: s.sshd.keyFile,
        SFTP_KNOWN_HOSTS: s.knownHosts, SFTP_ROOT: s.sftpRoot,
      },
    });
  }
  const mapping = await writeMapping(dir, form, sandboxUrl, s);
  return measureTree(process.execPath, [cli, 'run', '--config', mapping, '--log-level', 'warn'], {
    cwd: dir,
    env: { BENCH_SECRET: SECRET, BENCH_DB_PASSWORD: s.db.password, BENCH_SMB_PASSWORD: s.samba.password },
  });
}

export const sandboxSecret = SECRET;
