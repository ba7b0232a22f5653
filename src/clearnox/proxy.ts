// Which way each HTTPS call leaves this machine: through the proxy of the mapping file
// (clearnox.proxy) or of the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as undici's
// EnvHttpProxyAgent reads them), or directly. The choice is made here rather than inside undici so
// that an error can say it was the proxy that refused, not Clearnox. Credentials go to the proxy
// as Basic authentication (Proxy-Authorization), and are registered as secrets so that no log or
// message shows them, nor their Base64 form.
import { Agent, Dispatcher, ProxyAgent } from 'undici';
import { ConfigError } from '../errors.js';
import { isLoopbackHost } from '../loopback.js';
import type { NetworkSection, ProxyKeys } from '../mapping/sections/network.js';
import { registerSecret } from '../secrets.js';
import { runningUnderWine } from '../wine.js';
import type { ProxyRoute } from './errors.js';
import { trustedRoots, type NodeCertificates } from './tls-roots.js';

interface ProxyChoice {
  uri: string;
  /** The Proxy-Authorization header's value. */
  token?: string;
  route: ProxyRoute;
}

interface NoProxyEntry {
  hostname: string;
  /** 0: any port. */
  port: number;
}

export interface ProxyPlan {
  http?: ProxyChoice;
  https?: ProxyChoice;
  noProxy: NoProxyEntry[] | 'all';
}

function basic(username: string, password: string): string {
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  registerSecret(encoded);
  return `Basic ${encoded}`;
}

function fromKey(keys: ProxyKeys): ProxyChoice {
  const url = new URL(keys.url);
  const withCredentials = keys.username !== undefined && keys.password !== undefined;
  registerSecret(keys.password);
  return {
    uri: url.href,
    ...(withCredentials ? { token: basic(keys.username!, keys.password!) } : {}),
    route: { proxy: `${url.protocol}//${url.host}`, from: 'clearnox.proxy.url', withCredentials },
  };
}

/** The first of `names` set and not empty, by the name it was set under (Windows ignores case). */
function envValue(env: NodeJS.ProcessEnv, names: string[]): { name: string; value: string } | undefined {
  for (const n of names) {
    const value = env[n];
    if (value) return { name: Object.keys(env).find((k) => k.toLowerCase() === n.toLowerCase() && env[k] === value) ?? n, value };
  }
  return undefined;
}

function fromEnv(env: NodeJS.ProcessEnv, names: string[]): ProxyChoice | undefined {
  const found = envValue(env, names);
  if (!found) return undefined;
  const { name, value } = found;
  // curl and most tools take "proxy:3128" as http://proxy:3128.
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ConfigError(`The variable ${name} does not hold a proxy address; write it like http://proxy.corp.example:3128, or set clearnox.proxy in the mapping file.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `The variable ${name} names a ${url.protocol.slice(0, -1)} proxy; clearnox-sync goes through HTTP proxies (http:// or https://): set clearnox.proxy in the mapping file, or proxy: none to go direct.`,
    );
  }
  registerSecret(url.password);
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new ConfigError(`The user name or password in the variable ${name} is not URL-encoded: write % as %25 (and @ as %40, : as %3A), or set clearnox.proxy in the mapping file.`);
  }
  registerSecret(password);
  url.username = '';
  url.password = '';
  return {
    uri: url.href,
    ...(username ? { token: basic(username, password) } : {}),
    route: { proxy: `${url.protocol}//${url.host}`, from: name, withCredentials: Boolean(username) },
  };
}

/** NO_PROXY as undici reads it: names (and their sub-domains), .domain, host:port, or *. */
function parseNoProxy(entries: string[]): NoProxyEntry[] | 'all' {
  if (entries.includes('*')) return 'all';
  return entries.map((entry) => {
    const m = /^(.+):(\d+)$/.exec(entry);
    return { hostname: (m ? m[1]! : entry).replace(/^\*?\./, '').toLowerCase(), port: m ? Number(m[2]) : 0 };
  });
}

/** The mapping file's proxy when it names one (or `none`), else the environment's. */
export function proxyPlan(proxy: NetworkSection['proxy'], env: NodeJS.ProcessEnv = process.env): ProxyPlan {
  if (proxy === 'none') return { noProxy: [] };
  if (proxy) {
    const choice = fromKey(proxy);
    return { http: choice, https: choice, noProxy: parseNoProxy(proxy.noProxy ?? []) };
  }
  const http = fromEnv(env, ['http_proxy', 'HTTP_PROXY']);
  // As undici does: HTTPS goes through HTTP_PROXY when HTTPS_PROXY is not set.
  const https = fromEnv(env, ['https_proxy', 'HTTPS_PROXY']) ?? http;
  const noProxy = envValue(env, ['no_proxy', 'NO_PROXY'])?.value ?? '';
  return { ...(http ? { http } : {}), ...(https ? { https } : {}), noProxy: parseNoProxy(noProxy.split(/[,\s]+/).filter(Boolean)) };
}

function bypassed(url: URL, noProxy: ProxyPlan['noProxy']): boolean {
  if (noProxy === 'all') return true;
  const hostname = url.hostname.toLowerCase();
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return noProxy.some((e) => (e.port === 0 || e.port === port) && (hostname === e.hostname || hostname.endsWith(`.${e.hostname}`)));
}

export interface ConnectionOptions {
  /** undici's headers and body timeouts; the connection's own is at most 30 s of it. */
  timeoutMs: number;
  /** The CA certificates to check servers against; Node's own when absent. */
  ca?: string[] | undefined;
}

export interface Route {
  dispatcher: Dispatcher;
  /** Set when the call goes through a proxy. */
  proxy?: ProxyRoute;
}

/**
 * A dispatcher that sends each call the way the plan says: usable wherever undici takes one
 * (request, fetch), and `route` tells which way a URL goes.
 */
export class NetworkDispatcher extends Dispatcher {
  private readonly direct: Agent;
  private readonly viaProxy = new Map<ProxyChoice, ProxyAgent>();

  constructor(
    private readonly plan: ProxyPlan,
    private readonly options: ConnectionOptions,
  ) {
    super();
    this.direct = new Agent({ ...this.timeouts(), connect: this.tlsOptions() });
  }

  private timeouts() {
    const { timeoutMs } = this.options;
    return { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 30_000) };
  }

  /** For every socket: the CA list, and no TCP keep-alive under Wine (src/wine.ts). */
  private tlsOptions() {
    return {
      timeout: this.timeouts().connectTimeout,
      ...(runningUnderWine() ? { keepAlive: false } : {}),
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    };
  }

  // Plain http:// is allowed only to this machine (the sandbox): a proxy would carry it, and the
  // client secret in it, across the network, so this machine is always reached directly.
  route(url: URL): Route {
    if (isLoopbackHost(url.hostname)) return { dispatcher: this.direct };
    const choice = url.protocol === 'https:' ? this.plan.https : this.plan.http;
    if (!choice || bypassed(url, this.plan.noProxy)) return { dispatcher: this.direct };
    let agent = this.viaProxy.get(choice);
    if (!agent) {
      agent = new ProxyAgent({
        ...this.timeouts(),
        uri: choice.uri,
        ...(choice.token ? { token: choice.token } : {}),
        // The proxy's own connection (its certificate, for an https:// proxy) and Clearnox's
        // through the tunnel are checked against the same CA list.
        proxyTls: this.tlsOptions(),
        requestTls: this.tlsOptions(),
      });
      this.viaProxy.set(choice, agent);
    }
    return { dispatcher: agent, proxy: choice.route };
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.route(new URL(String(options.origin))).dispatcher.dispatch(options, handler);
  }

  private all(): Dispatcher[] {
    return [this.direct, ...this.viaProxy.values()];
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all(this.all().map((d) => d.close())).then(() => undefined);
    if (!callback) return done;
    void done.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const done = Promise.all(this.all().map((d) => d.destroy(err))).then(() => undefined);
    if (!callback) return done;
    void done.then(callback);
  }
}

export interface DispatcherOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Node's certificate lists (tests give others). */
  certificates?: NodeCertificates;
}

/**
 * The dispatcher for HTTPS calls made under a mapping file: its clearnox section's proxy, caFile
 * and systemCertificates (or the environment's proxy alone, without a section). Reads caFile now,
 * so that a wrong one is a ConfigError before anything is sent. Close it after use.
 */
export function dispatcherFor(section: NetworkSection | undefined, baseDir: string, opts: DispatcherOptions): NetworkDispatcher {
  const env = opts.env ?? process.env;
  const ca = section ? trustedRoots(section, baseDir, opts.certificates, env) : undefined;
  return new NetworkDispatcher(proxyPlan(section?.proxy, env), { timeoutMs: opts.timeoutMs, ca });
}
