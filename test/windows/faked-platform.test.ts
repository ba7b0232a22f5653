// The platform-blind cases of cases.ts (store paths, archive names) on this machine; the same
// run for real under Wine in win32-under-wine.test.ts.
import { describe } from 'vitest';
import { itOnFakedWindows } from './faked.js';

describe('store paths', () => itOnFakedWindows('store-path'));
describe('archive file names', () => itOnFakedWindows('file-names'));
