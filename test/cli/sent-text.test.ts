// What the run says it sent when its report could not be written: the only account left of it.
import { describe, expect, it } from 'vitest';
import { sentText } from '../../src/cli/commands/run.js';
import type { ArchiveReport, RunReport } from '../../src/pipeline/report.js';

const archive = (status: ArchiveReport['status']): ArchiveReport => ({ index: 1, documents: 3, bytes: 100, sha256: 'ab', status });
const report = (archives: ArchiveReport[], entriesAttached: number, dryRun = false) =>
  ({ dryRun, archives, counts: { entriesAttached, uploadedArchives: archives.filter((a) => a.status === 'completed').length } }) as unknown as RunReport;

describe('sentText', () => {
  it('counts an archive whose import failed as sent: it reached Clearnox', () => {
    expect(sentText(report([archive('failed')], 0))).toBe(
      '0 entries were attached, and 1 archive was sent to Clearnox (the summary above and the log tell the rest); the next run does not send them again.',
    );
  });

  it('says nothing was sent only when no archive left and nothing was attached', () => {
    expect(sentText(report([archive('not_sent')], 0))).toBe('Nothing was sent to Clearnox.');
    expect(sentText(report([archive('completed'), archive('error')], 4))).toMatch(/^4 entries were attached, and 2 archives were sent/);
    expect(sentText(report([], 2))).toMatch(/^2 entries were attached, and 0 archives were sent/);
    expect(sentText(report([archive('completed')], 1, true))).toBe('It was a dry run: nothing was sent.');
  });
});
