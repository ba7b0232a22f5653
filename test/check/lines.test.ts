import { afterEach, describe, expect, it } from 'vitest';
import { ASCII_MARKS, checkExitCode, formatLine, marksFor, summaryOf, UNICODE_MARKS, type CheckLine } from '../../src/check/lines.js';
import { clearSecrets, registerSecret } from '../../src/secrets.js';

const ok: CheckLine = { status: 'ok', title: 'Database', found: 'connected' };
const warn: CheckLine = { status: 'warn', title: 'Database account', found: 'it can change the database' };
const fail = (more: Partial<CheckLine>): CheckLine => ({ status: 'fail', title: 'X', found: 'failed', ...more });

afterEach(() => clearSecrets());

describe('formatLine', () => {
  it('puts the mark, the title and what was found on one line, details and what to do indented under it', () => {
    const line: CheckLine = { status: 'fail', title: 'Document store', found: 'not pinned', details: ['documents:', '  hostKeyFingerprint: "SHA256:x"'], todo: 'Add that line.', kind: 'untrusted' };
    expect(formatLine(line, UNICODE_MARKS)).toBe('✖ Document store: not pinned\n    documents:\n      hostKeyFingerprint: "SHA256:x"\n    -> Add that line.');
    expect(formatLine(ok, ASCII_MARKS)).toBe('[ok] Database: connected');
    expect(formatLine(warn, ASCII_MARKS)).toBe('[warn] Database account: it can change the database');
  });

  it('masks a secret wherever it appears', () => {
    registerSecret('Very-Secret-Pw-93');
    const text = formatLine({ status: 'fail', title: 'Database', found: 'login Very-Secret-Pw-93', details: ['row: x=Very-Secret-Pw-93'], kind: 'credentials' }, UNICODE_MARKS);
    expect(text).not.toContain('Very-Secret-Pw-93');
  });
});

describe('marksFor', () => {
  it('uses ✔ ✖ ⚠ on a UTF-8 locale, plain ASCII on another, and ASCII when asked', () => {
    expect(marksFor({ platform: 'linux', isTTY: true, env: { LANG: 'fr_FR.UTF-8' } })).toBe(UNICODE_MARKS);
    expect(marksFor({ platform: 'linux', isTTY: false, env: { LC_ALL: 'C.utf8' } })).toBe(UNICODE_MARKS);
    expect(marksFor({ platform: 'linux', isTTY: true, env: { LANG: 'C' } })).toBe(ASCII_MARKS);
    expect(marksFor({ platform: 'linux', isTTY: true, env: {} })).toBe(ASCII_MARKS);
    expect(marksFor({ platform: 'linux', isTTY: true, env: { LANG: 'en_US.UTF-8' }, ascii: true })).toBe(ASCII_MARKS);
  });

  it('on Windows, uses them only in Windows Terminal or VS Code, never when the output is redirected', () => {
    expect(marksFor({ platform: 'win32', isTTY: true, env: { WT_SESSION: 'abc' } })).toBe(UNICODE_MARKS);
    expect(marksFor({ platform: 'win32', isTTY: true, env: { TERM_PROGRAM: 'vscode' } })).toBe(UNICODE_MARKS);
    expect(marksFor({ platform: 'win32', isTTY: true, env: {} })).toBe(ASCII_MARKS);
    expect(marksFor({ platform: 'win32', isTTY: false, env: { WT_SESSION: 'abc' } })).toBe(ASCII_MARKS);
  });
});

describe('checkExitCode', () => {
  it('is 0 with only passes and warnings', () => {
    expect(checkExitCode([ok, warn])).toBe(0);
  });

  it('is the failing check\'s code: 2 mapping, 5 credentials or untrusted, 3 unreachable, 4 a document', () => {
    expect(checkExitCode([ok, fail({ kind: 'config' })])).toBe(2);
    expect(checkExitCode([ok, fail({ kind: 'credentials' })])).toBe(5);
    expect(checkExitCode([ok, fail({ kind: 'untrusted' })])).toBe(5);
    expect(checkExitCode([ok, fail({ kind: 'unreachable' })])).toBe(3);
    expect(checkExitCode([ok, fail({ document: true })])).toBe(4);
    expect(checkExitCode([fail({ kind: 'internal' })])).toBe(1);
  });

  it('with several failures, the one to act on first: 2, then 5, then 3, then 4', () => {
    const all = [fail({ document: true }), fail({ kind: 'unreachable' }), fail({ kind: 'credentials' }), fail({ kind: 'config' })];
    expect(checkExitCode(all)).toBe(2);
    expect(checkExitCode(all.slice(0, 3))).toBe(5);
    expect(checkExitCode(all.slice(0, 2))).toBe(3);
    expect(checkExitCode(all.slice(0, 1))).toBe(4);
  });
});

describe('summaryOf', () => {
  it('counts passes, warnings and failures', () => {
    expect(summaryOf([ok, ok])).toBe('All 2 checks passed.');
    expect(summaryOf([ok, warn, fail({ kind: 'config' })])).toBe('1 passed, 1 warning, 1 failed.');
  });
});
