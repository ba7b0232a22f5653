// The parent's side of upload-child.ts: a client process that uploads when asked.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const script = path.join(import.meta.dirname, 'upload-child.js');

export interface ClientProcess {
  upload(idempotencyKey: string): Promise<{ ms: number; importId: string }>;
  /** Ends the process; its peak RSS in MiB. */
  close(): Promise<number>;
}

export function startClientProcess(baseUrl: string, archive: string, secret: string): ClientProcess {
  const child = spawn(process.execPath, [script, baseUrl, archive], { env: { ...process.env, BENCH_SECRET: secret }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (prefix: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the client process ended before its ${prefix.trim()} line (exit ${child.exitCode})`);
      if (value.startsWith(prefix)) return JSON.parse(value.slice(prefix.length)) as Record<string, unknown>;
    }
  };
  return {
    upload: async (key) => {
      child.stdin.write(`${key}\n`);
      return (await next('UPLOAD ')) as { ms: number; importId: string };
    },
    close: async () => {
      child.stdin.end();
      return ((await next('RESULT ')) as { maxRssKiB: number }).maxRssKiB / 1024;
    },
  };
}
