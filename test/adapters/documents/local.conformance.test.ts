import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { localAdapter } from '../../../adapters/documents/local.js';
import { silentLogger } from '../../../src/log.js';
import { describeStoreConformance } from './conformance.js';

describeStoreConformance(
  'local',
  async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'cnx-local-'));
    const dir = path.join(parent, 'root');
    await mkdir(dir);
    return { dir, open: () => localAdapter.open({ root: dir }, { baseDir: parent, log: silentLogger }) };
  },
  { permissions: false },
);
