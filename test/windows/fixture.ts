// Lays the files of cases.ts's fixture from Linux (links included: node.exe cannot make them
// under Wine), for the Linux run and for the Windows one alike.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURE_FILES } from './cases.js';

export async function layFixture(dir: string): Promise<void> {
  for (const f of FIXTURE_FILES) {
    const full = path.join(dir, f.path);
    await mkdir(path.dirname(full), { recursive: true });
    if (f.link) await symlink(f.link, full);
    else await writeFile(full, f.content ?? '');
  }
}
