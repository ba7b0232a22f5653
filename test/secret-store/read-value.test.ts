import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askSecret, readPiped, readPipedLines } from '../../src/secret-store/read-value.js';

describe('how a secret is given', () => {
  it('is typed at a prompt that shows stars, and an empty answer is asked again', async () => {
    const input = new PassThrough();
    let screen = '';
    let typed = false;
    const output = new Writable({
      write(c: Buffer, _e, done) {
        screen += c.toString();
        // The value is typed once the empty answer has been refused.
        if (!typed && screen.includes('Type the value (nothing was typed)')) {
          typed = true;
          setImmediate(() => input.write('pw-Typed-42\r'));
        }
        done();
      },
    });
    const value = askSecret('Value of the secret db (not shown)', { input, output });
    setImmediate(() => input.write('\r'));
    expect(await value).toBe('pw-Typed-42');
    expect(screen).toContain('Type the value (nothing was typed)');
    expect(screen).toContain('***********');
    expect(screen).not.toContain('pw-Typed-42');
  });

  it('is piped in without the line end a shell or PowerShell adds, or the BOM Notepad writes', async () => {
    expect(await readPiped(Readable.from([Buffer.from('\uFEFFsecret with spaces \r\n')]))).toBe('secret with spaces ');
    expect(await readPiped(Readable.from([Buffer.from('a'), Buffer.from('b\n')]))).toBe('ab');
    expect(await readPipedLines(2, Readable.from([Buffer.from('one\r\ntwo\r\n')]))).toEqual(['one', 'two']);
    await expect(readPipedLines(2, Readable.from([Buffer.from('one\n\n')]))).rejects.toThrow('Standard input holds 1 non-empty line(s); give 2, one secret per line');
  });
});
