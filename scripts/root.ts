import path from 'node:path';

/** The repository's folder, whether a script runs from scripts/ (tests) or dist/scripts/ (npm run). */
export const ROOT = path.resolve(import.meta.dirname, '..', import.meta.dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '.');
