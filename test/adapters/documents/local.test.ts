// What the conformance suite cannot show for the local store: Windows roots judged with the
// rules of the machine that reads them, and permissions as an account that is not root.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localAdapter } from '../../../adapters/documents/local.js';
import { mappedDriveWarning, rootProblem } from '../../../adapters/documents/local-root.js';
import { AdapterConfigError } from '../../../adapters/types.js';
import { silentLogger } from '../../../src/log.js';
import { fakePdf } from '../../helpers/pdf.js';
import { TEST_USER } from '../../services/local-service.js';
import { itOnFakedWindows } from '../../windows/faked.js';

describe('a Windows root', () => {
  it('is refused on Linux with the way to reach it', async () => {
    expect(rootProblem('\\\\FILESRV\\Factures\\2024', 'linux')).toMatch(/Windows share.*type: smb/);
    expect(rootProblem('//FILESRV/Factures', 'linux')).toMatch(/Windows share/);
    expect(rootProblem('Z:\\Factures', 'linux')).toMatch(/Windows drive path/);
    expect(rootProblem('/srv/factures', 'linux')).toBeNull();
    const e = await localAdapter.open({ root: '\\\\FILESRV\\Factures' }, { baseDir: os.tmpdir(), log: silentLogger }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AdapterConfigError);
  });

  it('gets no mapped-drive warning off Windows', () => {
    expect(mappedDriveWarning('Z:\\Factures', null, 'linux')).toBeNull();
  });

  // Also run for real under Wine: test/windows/win32-under-wine.test.ts.
  itOnFakedWindows('local-root');
});

describe('read as an account that is not root', () => {
  it('tells permission denied, not found and a readable file apart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cnx-local-perm-'));
    await chmod(dir, 0o755);
    await writeFile(path.join(dir, 'ok.pdf'), fakePdf('ok'), { mode: 0o644 });
    await writeFile(path.join(dir, 'locked.pdf'), fakePdf('locked'), { mode: 0o000 });
    await mkdir(path.join(dir, 'closed'), { mode: 0o700 });
    await writeFile(path.join(dir, 'closed', 'in.pdf'), fakePdf('in'));
    const uid = Number(execFileSync('id', ['-u', TEST_USER], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', TEST_USER], { encoding: 'utf8' }));
    // The compiled store (test/global-setup.ts builds dist/) run by a process of the test account.
    const script = `
      const { localAdapter } = await import(${JSON.stringify(path.resolve('dist/adapters/documents/local.js'))});
      const log = { debug() {}, info() {}, warn() {} };
      const store = await localAdapter.open({ root: ${JSON.stringify(dir)} }, { baseDir: '/', log });
      const out = {};
      for (const p of ['ok.pdf', 'locked.pdf', 'closed/in.pdf', 'missing.pdf']) {
        try { (await store.open(p)).destroy(); out[p] = 'ok'; } catch (e) { out[p] = e.kind ?? String(e); }
      }
      console.log(JSON.stringify(out));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid, gid, encoding: 'utf8', cwd: '/' });
    await rm(dir, { recursive: true, force: true });
    expect(JSON.parse(out)).toEqual({ 'ok.pdf': 'ok', 'locked.pdf': 'permission_denied', 'closed/in.pdf': 'permission_denied', 'missing.pdf': 'not_found' });
  });
});
