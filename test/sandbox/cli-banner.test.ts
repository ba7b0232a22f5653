// The sandbox command as an integrator starts it: what it says about where it listens.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sandboxBanner } from '../../src/cli/commands/sandbox.js';
import { CLI } from '../helpers/cli.js';

/** Starts `clearnox-sync sandbox`, reads until the banner's last line, then stops it. */
async function sandboxOutput(args: string[]): Promise<{ stdout: string; stderr: string; stateStatus: number }> {
  const child = spawn(process.execPath, [CLI, 'sandbox', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString('utf8');
        if (stdout.includes('Stop with Ctrl+C.')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the sandbox exited (${code}) before its banner: ${stderr}`)));
    });
    const url = /clearnox\.baseUrl: (\S+)/.exec(stdout)?.[1];
    const stateStatus = url ? (await fetch(`${url}/__sandbox/state`)).status : 0;
    return { stdout, stderr, stateStatus };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('clearnox-sync sandbox', () => {
  it('tells the address and the real port it listens on, with no warning on 127.0.0.1', async () => {
    const out = await sandboxOutput(['--port', '0']);
    const port = /Listening on 127\.0\.0\.1:(\d+) /.exec(out.stdout)?.[1];
    expect(Number(port)).toBeGreaterThan(0);
    expect(out.stdout).toContain(`On this machine set clearnox.baseUrl: http://127.0.0.1:${port}\n`);
    expect(out.stateStatus).toBe(200);
    expect(out.stderr).not.toContain('WARNING');
  });

  it('warns that the state and control routes are open to the network on 0.0.0.0, and says so in the banner', async () => {
    const out = await sandboxOutput(['--port', '0', '--host', '0.0.0.0']);
    const port = /Listening on 0\.0\.0\.0:(\d+) \(every network interface of this machine\)/.exec(out.stdout)?.[1];
    expect(Number(port)).toBeGreaterThan(0);
    expect(out.stdout).toContain(`clearnox.baseUrl: http://127.0.0.1:${port}\n`);
    expect(out.stateStatus).toBe(200);
    expect(out.stderr).toContain(`WARNING: the sandbox listens on 0.0.0.0:${port}, which other machines can reach.`);
    expect(out.stderr).toMatch(/GET \/__sandbox\/state.*POST \/__sandbox\/control.*without a token/s);
    expect(out.stderr).toContain('Use --host 127.0.0.1');
  });
});

describe('the sandbox banner', () => {
  it('on one address of the network, warns and gives no baseUrl that clearnox-sync would refuse', () => {
    const text = sandboxBanner({ boundTo: '192.0.2.10', port: 8080, url: 'http://192.0.2.10:8080' }, 3, 'sandbox-client');
    expect(text.warning).toContain('WARNING: the sandbox listens on 192.0.2.10:8080, which other machines can reach.');
    expect(text.banner).toContain('Listening on 192.0.2.10:8080 with 3 entries without a document.\n');
    expect(text.banner).not.toContain('set clearnox.baseUrl');
    expect(text.banner).toContain('start the sandbox with --host 127.0.0.1');
  });

  it('on the IPv6 loopback, names it in brackets and warns of nothing', () => {
    const text = sandboxBanner({ boundTo: '::1', port: 41000, url: 'http://[::1]:41000' }, 0, 'c');
    expect(text.warning).toBeUndefined();
    expect(text.banner).toContain('Listening on [::1]:41000 with 0 entries');
    expect(text.banner).toContain('On this machine set clearnox.baseUrl: http://[::1]:41000\n');
  });
});

