// vitest global setup: the release folders and zips of `npm run package`, built once per test run
// (kept from an earlier run when nothing they are made of changed), for test/package/.
import type { TestProject } from 'vitest/node';
import { buildReleases } from '../../scripts/package.js';

export interface ReleaseInfo {
  folder: string;
  executable: string;
  zip: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    releases: { linux: ReleaseInfo; windows: ReleaseInfo };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const releases = await buildReleases(undefined, { reuse: true });
  const info = (target: string): ReleaseInfo => {
    const r = releases.find((x) => x.target === target);
    if (!r) throw new Error(`no release was built for ${target}`);
    return { folder: r.folder, executable: r.executable, zip: r.zip };
  };
  project.provide('releases', { linux: info('linux-x64'), windows: info('win-x64') });
}
