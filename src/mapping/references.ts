// `${env:NAME}`, `${file:PATH}` and `${secret:NAME}` (the local secret store, src/secret-store/)
// let a mapping file name a secret without holding it, so the file can be mailed, versioned and
// shown on screen. Keys the schema marks secret are refused as
// literals for that reason, and every value they get, and any value read from a file, is
// registered for masking.
import path from 'node:path';
import { readRegularFile } from '../regular-file.js';
import { secretLookup, type SecretLookup } from '../secret-store/store.js';
import { registerSecret } from '../secrets.js';
import type { SecretKind } from './secret-keys.js';

export type KeyPath = (string | number)[];

export interface PathProblem {
  path: KeyPath;
  message: string;
}

export interface ReferenceOptions {
  /** Folder of the mapping file: `${file:}` paths are relative to it. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** Windows environment names ignore case; a parameter so tests can check both. */
  platform?: NodeJS.Platform;
  /** Whether the key at a path holds a secret, as the schema marks it (secret-keys.ts). */
  secretAt?: (at: KeyPath) => SecretKind | undefined;
  /** Where `${secret:NAME}` is read: the local secret store found from `env` by default. */
  secrets?: SecretLookup;
}

export interface ResolvedReferences {
  value: unknown;
  problems: PathProblem[];
  /** Values registered with registerSecret. */
  secrets: string[];
  /** Dotted paths whose value came (at least partly) from a reference. */
  referenced: Set<string>;
}

type RefKind = 'env' | 'file' | 'secret';
type Part = { kind: 'text'; text: string } | { kind: RefKind; target: string; raw: string };

/** Splits a string into text and references; `$${` is a literal `${`. */
export function parseReferences(s: string): Part[] | { error: string } {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      text += '${';
      i += 3;
    } else if (s.startsWith('${', i)) {
      const end = s.indexOf('}', i + 2);
      if (end < 0) return { error: `the reference "${s.slice(i, i + 40)}" has no closing }` };
      const raw = s.slice(i, end + 1);
      const m = /^\s*(env|file|secret)\s*:(.*)$/is.exec(s.slice(i + 2, end));
      if (!m) {
        return {
          error: `"${raw}" is not a reference this tool knows; write \${env:NAME}, \${file:PATH} or \${secret:NAME}, or $\${ for a literal \${`,
        };
      }
      const target = m[2]!.trim();
      if (!target) return { error: `the reference "${raw}" names nothing` };
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: m[1]!.toLowerCase() as RefKind, target, raw });
      i = end + 1;
    } else {
      text += s[i];
      i += 1;
    }
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

export async function resolveReferences(tree: unknown, opts: ReferenceOptions): Promise<ResolvedReferences> {
  const out: ResolvedReferences = { value: undefined, problems: [], secrets: [], referenced: new Set() };
  const secret = (v: string) => {
    registerSecret(v);
    if (!out.secrets.includes(v)) out.secrets.push(v);
  };
  const lookup = opts.secrets ?? secretLookup({ place: { env: opts.env, platform: opts.platform ?? process.platform } });
  // A name used by several keys is read once: on Windows each read starts PowerShell.
  const read = new Map<string, ReturnType<SecretLookup>>();
  const readSecret = (name: string) => {
    if (!read.has(name)) read.set(name, lookup(name));
    return read.get(name)!;
  };

  async function walk(value: unknown, at: KeyPath): Promise<unknown> {
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const [i, item] of value.entries()) items.push(await walk(item, [...at, i]));
      return items;
    }
    if (value !== null && typeof value === 'object') {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) obj[k] = await walk(v, [...at, k]);
      return obj;
    }
    const kind = opts.secretAt?.(at);
    if (typeof value !== 'string') {
      if (kind === 'secret' && (typeof value === 'number' || typeof value === 'boolean')) {
        registerSecret(String(value));
        out.problems.push({ path: at, message: literalSecretMessage(at) });
      }
      return value;
    }
    return resolveString(value, at, kind);
  }

  async function resolveString(raw: string, at: KeyPath, kind: SecretKind | undefined): Promise<unknown> {
    const parts = parseReferences(raw);
    if (!Array.isArray(parts)) {
      out.problems.push({ path: at, message: parts.error });
      return raw;
    }
    const hasRef = parts.some((p) => p.kind !== 'text');
    if (kind === 'secret' && !hasRef && raw.trim() !== '') {
      registerSecret(raw); // keeps it out of any other message about this file
      out.problems.push({ path: at, message: literalSecretMessage(at) });
    }
    if (kind === 'connection-string') {
      const literal = literalPasswordIn(parts);
      if (literal !== null) {
        registerSecret(literal);
        out.problems.push({ path: at, message: literalPasswordMessage(at) });
      }
    }
    if (!hasRef) return parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');

    out.referenced.add(at.join('.'));
    let failed = false;
    let result = '';
    const encoded = kind === 'connection-string' ? urlEncodedParts(parts) : new Set<number>();
    const quoted = kind === 'connection-string' ? wholeKeywordValues(parts) : new Set<number>();
    for (const [i, p] of parts.entries()) {
      if (p.kind === 'text') {
        result += p.text;
        continue;
      }
      const got = p.kind === 'env' ? readEnv(p.target, opts) : p.kind === 'file' ? await readSecretFile(p.target, p.raw, opts) : await readSecret(p.target);
      if ('error' in got) {
        out.problems.push({ path: at, message: got.error });
        failed = true;
        continue;
      }
      if (p.kind !== 'env' || kind) secret(got.value);
      const written = encoded.has(i) ? encodeURIComponent(got.value) : quoted.has(i) ? keywordValue(got.value) : got.value;
      if (written !== got.value) secret(written);
      result += written;
    }
    // The raw text stays in place so that validation still runs (and is silenced) for this key.
    if (failed) return raw;
    if (kind) secret(result);
    return result;
  }

  out.value = await walk(tree, []);
  return out;
}

function readEnv(name: string, opts: ReferenceOptions): { value: string } | { error: string } {
  let value = opts.env[name];
  if (value === undefined && (opts.platform ?? process.platform) === 'win32') {
    const key = Object.keys(opts.env).find((k) => k.toUpperCase() === name.toUpperCase());
    if (key) value = opts.env[key];
  }
  if (value === undefined) {
    return {
      error:
        `the environment variable ${name} is not set. On Windows, set it as a system variable, which Task Scheduler tasks see: ` +
        `in a command prompt opened as administrator run  setx ${name} "the value" /M  then open a new command prompt ` +
        `(and restart the scheduled task); or set it in the environment of the task that runs clearnox-sync. ` +
        `Without /M, setx sets it only for the user who ran it.`,
    };
  }
  if (value === '') return { error: `the environment variable ${name} is set but empty` };
  return { value };
}

async function readSecretFile(target: string, raw: string, opts: ReferenceOptions): Promise<{ value: string } | { error: string }> {
  const full = path.resolve(opts.baseDir, target);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(full);
  } catch (err) {
    return { error: `cannot read the file ${full} named by ${raw}: ${fileErrorReason(err)}` };
  }
  const text = decodeText(bytes);
  if (text === null) {
    return {
      error: `the file ${full} named by ${raw} is not saved as UTF-8 (it holds a character in another encoding, such as ANSI); in Notepad use File > Save As with Encoding: UTF-8`,
    };
  }
  // Notepad adds a BOM and most editors a final newline; neither is part of the secret.
  const value = text.replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
  if (value === '') return { error: `the file ${full} named by ${raw} is empty` };
  return { value };
}

/**
 * UTF-8, or UTF-16 when a byte order mark says so: Windows PowerShell 5 writes `"..." > file` in
 * UTF-16 LE, and so does Notepad's "Unicode". null for anything else (ANSI): read as UTF-8, the
 * secret would be another one, and the server's refusal would not say why.
 */
function decodeText(bytes: Buffer): string | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff && bytes.length % 2 === 0) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function fileErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file (the path is relative to the folder of the mapping file unless it starts with a drive or \\\\server)';
  if (code === 'EACCES' || code === 'EPERM') return 'access denied; the account that runs clearnox-sync must be allowed to read it';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'ENOTREG') return 'it is not a regular file (a pipe or a device); give a file';
  return code ?? String(err);
}

/** `['clearnox', 'clientSecret']` -> `CLEARNOX_CLIENT_SECRET`, a name to suggest. */
function envNameFor(at: KeyPath): string {
  return at
    .filter((s): s is string => typeof s === 'string')
    .map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_');
}

function literalSecretMessage(at: KeyPath): string {
  return `holds the secret itself; write a reference such as \${env:${envNameFor(at)}}, so that the secret never sits in the mapping file`;
}

function literalPasswordMessage(at: KeyPath): string {
  const name = envNameFor([...at.slice(0, -1), 'password']);
  return `holds a password itself; write a reference in its place, such as Password=\${env:${name}}, so that the password never sits in the mapping file`;
}

// A reference stands for \u0001 in these patterns, so that a password made of (or holding) one
// counts as referenced.
const flatten = (parts: Part[]) => parts.map((p) => (p.kind === 'text' ? p.text : '\u0001')).join('');

// The query parameters node-postgres and mysql2 read a password (or a key's passphrase) from.
const QUERY_PASSWORD = /[?&](?:password\d?|pwd|passwd|sslpassword|passphrase)=([^&#]*)/i;

/** The password written literally in a connection string, or null when there is none. */
function literalPasswordIn(parts: Part[]): string | null {
  const flat = flatten(parts);
  const keyword = /(?:^|;)\s*(?:password|pwd)\s*=\s*("[^"]*"|'[^']*'|[^;]*)/i.exec(flat);
  // A space or tab is allowed in the user info: a URL parser percent-encodes it and the driver
  // decodes it, so `//erp:my secret@db` logs in with the password "my secret".
  const inUrl = /\/\/[^/@:\r\n]*:([^@\r\n]+)@/.exec(flat);
  const inQuery = /^[a-z][a-z0-9+.-]*:\/\//i.test(flat) ? QUERY_PASSWORD.exec(flat) : null;
  for (const m of [keyword, inUrl, inQuery]) {
    const value = m?.[1]?.trim().replace(/^["']|["']$/g, '');
    if (value && !value.includes('\u0001')) return value;
  }
  return null;
}

/**
 * The references of a URL connection string that sit in its user name, password or query: their
 * values are URL-encoded as they are put in, so that a password holding / # ? @ or % is read whole
 * by the driver (which decodes it) instead of ending the address part where it stands.
 */
function urlEncodedParts(parts: Part[]): Set<number> {
  const out = new Set<number>();
  const flat = flatten(parts);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(flat)) return out;
  let before = '';
  for (const [i, p] of parts.entries()) {
    if (p.kind !== 'text') {
      const after = flat.slice(before.length + 1);
      const inUserInfo = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*$/i.test(before) && /^[^/?#]*@/.test(after.replace(/\u0001/g, ''));
      const inQuery = /\?[^#]*$/.test(before);
      if (inUserInfo || inQuery) out.add(i);
    }
    before += p.kind === 'text' ? p.text : '\u0001';
  }
  return out;
}

/**
 * The references of a `Keyword=value;` connection string (SQL Server's) that are a keyword's whole
 * value: a value holding ; or a quote is put in quotes, as ADO.NET reads it, so that the driver
 * reads the whole password rather than the part before the ;.
 */
function wholeKeywordValues(parts: Part[]): Set<number> {
  const out = new Set<number>();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(flatten(parts))) return out;
  for (const [i, p] of parts.entries()) {
    if (p.kind === 'text') continue;
    const before = parts[i - 1];
    const after = parts[i + 1];
    const starts = before === undefined ? false : before.kind === 'text' && /(?:^|;)\s*[^;=]+=\s*$/.test(before.text);
    const ends = after === undefined || (after.kind === 'text' && /^\s*(;|$)/.test(after.text));
    if (starts && ends) out.add(i);
  }
  return out;
}

function keywordValue(value: string): string {
  return /[;"']|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
