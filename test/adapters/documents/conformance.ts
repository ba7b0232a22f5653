// One behaviour for every document store: the same tests run against the local folder, the SFTP
// server and the Samba share. A fixture writes files where the store will read them (the tests
// run as root, the stores read as the test account where the protocol has one).
import { createHash } from 'node:crypto';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentError, type DocumentStore } from '../../../adapters/types.js';
import { InvalidDocumentError, openPdf, statDocument } from '../../../src/pipeline/document-check.js';
import { fakePdf } from '../../helpers/pdf.js';

export interface StoreFixture {
  /** Folder on this machine that the store reads as its root (created empty). */
  dir: string;
  open(): Promise<DocumentStore>;
  /**
   * The server itself makes a link out of the root not exist (Samba with wide links = no, its
   * default, when the root is the share): it is neither listed nor opened, so the store can only
   * say not_found. Every other store resolves the link and says outside_root.
   */
  hidesLinksOut?: boolean;
  /** The protocol shows links as the files they point to, so a listing cannot leave them out. */
  listsLinks?: boolean;
  /**
   * The documents are rows, not files (the database store): the fixture keeps each one under its
   * path, and what only a file tree has (links, folders, Windows-style paths, a listing) is left to
   * the stores that have one. A path that names no row is not_found, wherever it points.
   */
  rows?: { put(path: string, content: Buffer): Promise<void> };
}

const MiB = 1024 * 1024;
const LIMIT = 20 * MiB;

export const ODD_NAMES = [
  'FA 2024 001.pdf',
  'Facture n°12 été.pdf',
  'Müller & Söhne (copie) #3.pdf',
  "l'avoir [1] +50%; ok, ~$!.pdf",
  'ünïcödé-日本.pdf',
];

export const TRAVERSALS = [
  '../outside.pdf',
  '2024/../../outside.pdf',
  '2024\\..\\..\\outside.pdf',
  '..\\outside.pdf',
  '/etc/passwd',
  '\\Windows\\win.ini',
  'C:\\Windows\\win.ini',
  'c:outside.pdf',
  '\\\\FILESRV\\Factures\\x.pdf',
  '//FILESRV/Factures/x.pdf',
  '\\\\?\\C:\\x.pdf',
  'FA-1.pdf:Zone.Identifier',
  'FA\0.pdf',
];

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function kindOf(work: () => Promise<unknown>): Promise<string> {
  try {
    const r = await work();
    if (r && typeof (r as Readable).destroy === 'function') (r as Readable).destroy();
  } catch (e) {
    if (e instanceof DocumentError) return e.kind;
    if (e instanceof InvalidDocumentError) return e.reasonCode;
    throw e;
  }
  return 'ok';
}

/** `rows`: the store reads rows of a database, not files; its fixture gives `rows.put`. */
export function describeStoreConformance(name: string, make: () => Promise<StoreFixture>, can: { permissions: boolean; rows?: boolean }): void {
  const rows = can.rows === true;
  describe(`${name} store conformance`, () => {
    let fx: StoreFixture;
    let store: DocumentStore;
    // Beside the root: for every store that is out of the root and nothing else.
    const secretFile = () => path.join(path.dirname(fx.dir), `${path.basename(fx.dir)}-secret.pdf`);
    const linksOut = () => [
      'link-out.pdf',
      'link-abs.pdf',
      `link-dir/${path.basename(secretFile())}`,
      `2024/link-up/${path.basename(secretFile())}`,
    ];
    const put = async (rel: string, content: Buffer | string) => {
      if (rows) return fx.rows!.put(rel, Buffer.from(content));
      const file = path.join(fx.dir, ...rel.split('/'));
      await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
      await writeFile(file, content, { mode: 0o644 });
    };

    beforeAll(async () => {
      fx = await make();
      await put('2024/01/FA-1.pdf', fakePdf('FA-1'));
      for (const n of ODD_NAMES) await put(`odd/${n}`, fakePdf(n));
      await put('empty.pdf', '');
      await put('page.pdf', '<html><body>503 Service Unavailable</body></html>');
      await put('big/large.pdf', fakePdf('large', 15 * MiB));
      await put('big/too-large.pdf', fakePdf('too large', LIMIT + 1));
      for (let i = 0; i < 40; i++) await put(`bulk/FA-${i}.pdf`, fakePdf(`bulk ${i}`, 30_000 + i));
      // A path that names no one document: a folder, or in a database two rows.
      if (rows) for (const n of ['1', '2']) await fx.rows!.put('folder.pdf', fakePdf(`row ${n}`));
      else await fileTree();
      store = await fx.open();
    });

    // What only a tree of files holds: a folder, links in and out of the root, a file beside it.
    const fileTree = async () => {
      await mkdir(path.join(fx.dir, 'folder.pdf'), { recursive: true });
      await writeFile(secretFile(), fakePdf('secret'));
      await symlink(path.relative(fx.dir, secretFile()), path.join(fx.dir, 'link-out.pdf'));
      await symlink('/etc/passwd', path.join(fx.dir, 'link-abs.pdf'));
      await symlink('2024/01/FA-1.pdf', path.join(fx.dir, 'link-in.pdf'));
      // Folder links out of the root, absolute and relative: the file name under them looks harmless.
      await symlink(path.dirname(secretFile()), path.join(fx.dir, 'link-dir'));
      await symlink('../..', path.join(fx.dir, '2024', 'link-up'));
      // A folder link back up to the root: inside it, but a listing that follows it goes round.
      await symlink('..', path.join(fx.dir, '2024', 'link-root'));
    };

    afterAll(async () => {
      await store?.close();
      await rm(secretFile(), { force: true });
      await rm(fx.dir, { recursive: true, force: true });
    });

    it('reads a PDF by a POSIX or a Windows-style path, byte for byte', async () => {
      const expected = fakePdf('FA-1');
      expect(await store.stat('2024/01/FA-1.pdf')).toEqual({ size: expected.length });
      expect(await readAll(await store.open('2024/01/FA-1.pdf'))).toEqual(expected);
      if (rows) return;
      expect(await readAll(await store.open('2024\\01\\FA-1.pdf'))).toEqual(expected);
      expect(await readAll(await openPdf(store, '.\\2024\\01\\FA-1.pdf', LIMIT))).toEqual(expected);
    });

    it.each(ODD_NAMES)('reads the file name %j', async (n) => {
      expect(await readAll(await openPdf(store, `odd/${n}`, LIMIT))).toEqual(fakePdf(n));
      expect((await store.stat(rows ? `odd/${n}` : `odd\\${n}`)).size).toBe(fakePdf(n).length);
    });

    it('tells a missing file, a missing folder and a folder apart', async () => {
      expect(await kindOf(() => store.stat('2024/01/FA-404.pdf'))).toBe('not_found');
      expect(await kindOf(() => store.open('2024/01/FA-404.pdf'))).toBe('not_found');
      expect(await kindOf(() => store.stat('1999/FA-1.pdf'))).toBe('not_found');
      expect(await kindOf(() => store.open('1999/FA-1.pdf'))).toBe('not_found');
      expect(await kindOf(() => store.stat('folder.pdf'))).toBe('unreadable');
    });

    it.each(TRAVERSALS)(rows ? 'finds no document at %j, and nothing outside' : 'refuses %j as outside the root', async (p) => {
      const expected = rows ? 'not_found' : 'outside_root';
      expect(await kindOf(() => store.stat(p))).toBe(expected);
      expect(await kindOf(() => store.open(p))).toBe(expected);
    });

    if (!rows) it.each(['stat', 'open'] as const)('refuses with %s links that point out of the root and follows links that stay inside', async (op) => {
      const expected = fx.hidesLinksOut ? 'not_found' : 'outside_root';
      for (const p of linksOut()) expect({ p, kind: await kindOf(() => store[op](p)) }).toEqual({ p, kind: expected });
      expect(await readAll(await store.open('link-in.pdf'))).toEqual(fakePdf('FA-1'));
      expect(await store.stat('link-in.pdf')).toEqual({ size: fakePdf('FA-1').length });
      expect(await readAll(await store.open('2024/link-root/2024/01/FA-1.pdf'))).toEqual(fakePdf('FA-1'));
    });

    it('reports empty files, non-PDF files and files over the limit as invalid', async () => {
      expect(await kindOf(() => statDocument(store, 'empty.pdf', LIMIT))).toBe('empty_file');
      expect(await kindOf(() => openPdf(store, 'empty.pdf', LIMIT))).toBe('empty_file');
      expect(await kindOf(() => openPdf(store, 'page.pdf', LIMIT))).toBe('not_a_pdf');
      expect(await kindOf(() => statDocument(store, 'big/too-large.pdf', LIMIT))).toBe('too_large');
      // A file that grows past the limit after stat is stopped while it streams.
      const stream = await openPdf(store, 'big/too-large.pdf', LIMIT);
      await expect(readAll(stream)).rejects.toBeInstanceOf(InvalidDocumentError);
    });

    it('streams a large file intact', async () => {
      const expected = createHash('sha256').update(fakePdf('large', 15 * MiB)).digest('hex');
      const hash = createHash('sha256');
      let largest = 0;
      for await (const chunk of await openPdf(store, 'big/large.pdf', LIMIT)) {
        largest = Math.max(largest, (chunk as Buffer).length);
        hash.update(chunk as Buffer);
      }
      expect(hash.digest('hex')).toBe(expected);
      expect(largest).toBeLessThanOrEqual(MiB);
    });

    it('reads many files at once, each intact', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const bytes = await readAll(await openPdf(store, `bulk/FA-${i}.pdf`, LIMIT));
          return bytes.equals(fakePdf(`bulk ${i}`, 30_000 + i));
        }),
      );
      expect(results.every(Boolean)).toBe(true);
    });

    if (!rows) it('lists the files of the tree, of a sub-folder, and refuses a folder outside', async () => {
      const all: string[] = [];
      for await (const f of store.list!('')) all.push(f.path);
      expect(all).toContain('2024/01/FA-1.pdf');
      expect(all).toEqual(expect.arrayContaining(ODD_NAMES.map((n) => `odd/${n}`)));
      expect(all.filter((p) => p.startsWith('bulk/'))).toHaveLength(40);
      // Links are not followed, folders are not files.
      expect(all).not.toContain('folder.pdf');
      // No listing ever shows what lies behind a link out of the root, nor goes round a link up.
      expect(all.filter((p) => /link-(out|abs|dir|up|root)/.test(p))).toEqual([]);
      expect(all.filter((p) => p.endsWith('01/FA-1.pdf'))).toEqual(['2024/01/FA-1.pdf']);
      expect(all.filter((p) => p.includes('link-'))).toEqual(fx.listsLinks ? ['link-in.pdf'] : []);
      const sub: string[] = [];
      for await (const f of store.list!('2024')) sub.push(f.path);
      expect(sub).toEqual(['2024/01/FA-1.pdf']);
      await expect((async () => { for await (const _ of store.list!('../')) void _; })()).rejects.toMatchObject({ kind: 'outside_root' });
      await expect((async () => { for await (const _ of store.list!('nope')) void _; })()).rejects.toMatchObject({ kind: 'not_found' });
    });

    // Only where the store reads as an account that permissions apply to: the local store reads as
    // this process (root), so local.test.ts checks it from a process of the test account.
    if (can.permissions) {
      it('tells permission denied apart from a missing file', async () => {
        await put('locked/secret.pdf', fakePdf('locked'));
        await chmod(path.join(fx.dir, 'locked', 'secret.pdf'), 0o000);
        await put('closed/inside.pdf', fakePdf('inside'));
        await chmod(path.join(fx.dir, 'closed'), 0o000);
        try {
          expect(await kindOf(() => store.open('locked/secret.pdf'))).toBe('permission_denied');
          expect(await kindOf(() => openPdf(store, 'locked/secret.pdf', LIMIT))).toBe('permission_denied');
          expect(['permission_denied']).toContain(await kindOf(() => store.open('closed/inside.pdf')));
          expect(await kindOf(() => store.open('2024/01/FA-404.pdf'))).toBe('not_found');
        } finally {
          await chmod(path.join(fx.dir, 'closed'), 0o755);
        }
      });
    }

  });
}
