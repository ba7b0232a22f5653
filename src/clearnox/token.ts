// Access-token cache. One token is shared by every call; concurrent callers that find it missing
// or stale wait on the same request, so a burst of calls (or of 401s) costs one /oauth/token.
import { registerSecret } from '../secrets.js';

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

interface Cached {
  value: string;
  /** When to stop using it: a little before expires_in so a call never leaves with a dying token. */
  refreshAt: number;
}

/**
 * Refresh margin: 10% of the lifetime, at most 60 s. A 1-hour token is renewed after 59 min;
 * a short test token (a few seconds) is still used for most of its life.
 */
export function refreshMarginMs(expiresInSeconds: number): number {
  return Math.min(60_000, expiresInSeconds * 100);
}

export class TokenProvider {
  private cached: Cached | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(
    private readonly issue: () => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A usable token: cached, or from the request already under way, or a new one. */
  get(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.value);
    this.inFlight ??= this.fetchNew().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * The server refused `token`. Only forget it if it is still the current one: when several
   * calls fail with the same old token, the first one's refresh serves all of them.
   */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetchNew(): Promise<string> {
    const started = this.now();
    const t = await this.issue();
    registerSecret(t.accessToken);
    const lifetimeMs = t.expiresInSeconds * 1000;
    this.cached = { value: t.accessToken, refreshAt: started + lifetimeMs - refreshMarginMs(t.expiresInSeconds) };
    return t.accessToken;
  }
}
