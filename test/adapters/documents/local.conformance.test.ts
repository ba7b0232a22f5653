import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { localAdapter } from '../../../adapters/documents/local.js';
import { silentLogger } from '../../../src/log.js';
import { afterAll } from 'vitest';
import { describeStoreConformance } from './conformance.js';

let parent: string | undefined;
afterAll(() => (parent ? rm(parent, { recursive: true, force: true }) : undefined));

describeStoreConformance(
  'local',
  async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'cnx-local-'));
    parent = folder;
    const dir = path.join(folder, 'root');
    await mkdir(dir);
    return { dir, open: () => localAdapter.open({ root: dir }, { baseDir: folder, log: silentLogger }) };
  },
  { permissions: false },
);
