// The whole-run benchmark's data, the same from one run to the next: document i has the number
// FA-<i>, one entry ent_<i> in Clearnox, a row in the ERP's invoice table naming its file, and a
// PDF of 30 to 400 KiB (its size a hash of i) on the SFTP server's folder and the Samba share.
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { Entry } from '../../src/clearnox/contract.js';
import { benchEntry } from './fixtures.js';

export interface BenchDocument {
  index: number;
  number: string;
  entryId: string;
  /** Store-relative, as the invoice table holds it. */
  path: string;
  size: number;
}

const KiB = 1024;
const MIN_BYTES = 30 * KiB;
const MAX_BYTES = 400 * KiB;
const FOLDERS = 100;

/** A 32-bit integer hash (lowbias32): sizes spread evenly over the range, stable across runs. */
function hash(i: number): number {
  let x = (i + 0x9e3779b9) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

export function documentOf(index: number): BenchDocument {
  const number = `FA-${String(index).padStart(7, '0')}`;
  return {
    index,
    number,
    entryId: benchEntry(index, number).id,
    path: `${String(index % FOLDERS).padStart(2, '0')}/${number}.pdf`,
    size: MIN_BYTES + (hash(index) % (MAX_BYTES - MIN_BYTES + 1)),
  };
}

export function* documents(count: number): Generator<BenchDocument> {
  for (let i = 0; i < count; i++) yield documentOf(i);
}

export function entries(count: number): Entry[] {
  return Array.from(documents(count), (d) => benchEntry(d.index, d.number));
}

export function totalBytes(count: number): number {
  let sum = 0;
  for (const d of documents(count)) sum += d.size;
  return sum;
}

/**
 * Writes the PDFs of the first `count` documents under `first` and links each into every other
 * folder (the same file system: written once, served by both servers). Files already there, from
 * a smaller count, are kept. The %PDF- header is all the run's check and Clearnox's look at.
 */
export async function writePdfs(count: number, first: string, others: string[]): Promise<void> {
  const filler = randomBytes(MAX_BYTES);
  for (const dir of [first, ...others]) {
    for (let f = 0; f < Math.min(FOLDERS, count); f++) await mkdir(path.join(dir, String(f).padStart(2, '0')), { recursive: true, mode: 0o755 });
  }
  for (const d of documents(count)) {
    const file = path.join(first, d.path);
    if ((await stat(file).catch(() => null))?.size === d.size) continue;
    const header = Buffer.from(`%PDF-1.4\n%${d.number}\n`);
    await writeFile(file, Buffer.concat([header, filler.subarray(0, d.size - header.length)]), { mode: 0o644 });
    for (const dir of others) {
      const copy = path.join(dir, d.path);
      await link(file, copy).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') return;
        if (e.code === 'EXDEV') return copyFile(file, copy);
        throw e;
      });
    }
  }
}

export interface ErpDatabase {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/**
 * An ERP database on the MariaDB server: `invoices (number, pdf)` holding the first `count`
 * documents, and a reader with SELECT only, as docs/databases.md has integrators create it.
 */
export async function createErp(admin: { host: string; port: number; user: string; password: string }, count: number): Promise<ErpDatabase> {
  const database = 'bench_erp';
  const reader = { user: 'bench_reader', password: `pw-${randomBytes(8).toString('hex')}` };
  const db = await mysql.createConnection({ host: admin.host, port: admin.port, user: admin.user, password: admin.password });
  try {
    await db.query(`DROP DATABASE IF EXISTS ${database}`);
    await db.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
    await db.query(`DROP USER IF EXISTS '${reader.user}'@'%'`);
    await db.query(`CREATE USER '${reader.user}'@'%' IDENTIFIED BY '${reader.password}'`);
    await db.query(`GRANT SELECT ON ${database}.* TO '${reader.user}'@'%'`);
    await db.query(`CREATE TABLE ${database}.invoices (number VARCHAR(40) NOT NULL PRIMARY KEY, pdf VARCHAR(200) NOT NULL)`);
    let rows: [string, string][] = [];
    const flush = async () => {
      if (rows.length) await db.query(`INSERT INTO ${database}.invoices (number, pdf) VALUES ?`, [rows]);
      rows = [];
    };
    for (const d of documents(count)) {
      rows.push([d.number, d.path]);
      if (rows.length === 2000) await flush();
    }
    await flush();
  } finally {
    await db.end();
  }
  return { host: admin.host, port: admin.port, database, ...reader };
}

export const LOOKUP_SQL = 'SELECT number AS documentNumber, pdf AS path FROM invoices WHERE number IN (:documentNumbers)';
