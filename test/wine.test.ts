import { describe, expect, it } from 'vitest';
import { runningUnderWine } from '../src/wine.js';

// The Windows executable's own tests (test/package/windows-executable.test.ts) run under Wine for
// real; this only pins down which environments count as Wine.
describe('runningUnderWine', () => {
  const wine = { WINELOADER: '/usr/lib/wine/wine64', WINECONFIGDIR: '\\??\\Z:\\tmp\\prefix' };
  it('is true on win32 with the variables Wine gives every program', () => {
    expect(runningUnderWine(wine, 'win32')).toBe(true);
  });
  it('is false on Windows itself and on Linux, even with one of them set by hand', () => {
    expect(runningUnderWine({}, 'win32')).toBe(false);
    expect(runningUnderWine({ WINELOADER: 'x' }, 'win32')).toBe(false);
    expect(runningUnderWine(wine, 'linux')).toBe(false);
  });
});
