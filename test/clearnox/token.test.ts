import { describe, expect, it } from 'vitest';
import { TokenProvider, refreshMarginMs } from '../../src/clearnox/token.js';

function provider(expiresInSeconds: number) {
  let now = 1_000_000;
  let issued = 0;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const p = new TokenProvider(async () => {
    issued++;
    if (gate) await gate;
    return { accessToken: `token-${issued}`, expiresInSeconds };
  }, () => now);
  return {
    p,
    issued: () => issued,
    advance: (ms: number) => (now += ms),
    hold: () => (gate = new Promise<void>((r) => (release = r))),
    release: () => {
      gate = undefined;
      release?.();
    },
  };
}

describe('TokenProvider', () => {
  it('refreshes at most 60 s, or 10% of the lifetime, before expiry', () => {
    expect(refreshMarginMs(3600)).toBe(60_000);
    expect(refreshMarginMs(100)).toBe(10_000);
    expect(refreshMarginMs(2)).toBe(200);
  });

  it('reuses the token until shortly before it expires', async () => {
    const t = provider(3600);
    expect(await t.p.get()).toBe('token-1');
    t.advance(3540_000 - 1);
    expect(await t.p.get()).toBe('token-1');
    t.advance(1);
    expect(await t.p.get()).toBe('token-2');
    expect(t.issued()).toBe(2);
  });

  it('shares one request among concurrent callers', async () => {
    const t = provider(3600);
    t.hold();
    const all = Promise.all([t.p.get(), t.p.get(), t.p.get()]);
    t.release();
    expect(await all).toEqual(['token-1', 'token-1', 'token-1']);
    expect(t.issued()).toBe(1);
  });

  it('refreshes once when several calls report the same token refused', async () => {
    const t = provider(3600);
    const old = await t.p.get();
    t.p.invalidate(old);
    const fresh = t.p.get();
    t.p.invalidate(old); // a second call failing with the old token does not start another request
    expect(await Promise.all([fresh, t.p.get()])).toEqual(['token-2', 'token-2']);
    t.p.invalidate(old);
    expect(await t.p.get()).toBe('token-2');
    expect(t.issued()).toBe(2);
  });

  it('tries again after a failed request instead of caching the failure', async () => {
    let n = 0;
    const p = new TokenProvider(async () => {
      if (++n === 1) throw new Error('down');
      return { accessToken: 'ok-token', expiresInSeconds: 60 };
    });
    await expect(p.get()).rejects.toThrow('down');
    expect(await p.get()).toBe('ok-token');
  });
});
