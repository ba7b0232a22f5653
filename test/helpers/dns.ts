// A misspelt server name, answered in this process the way the system resolver answers one
// (getaddrinfo ENOTFOUND): no DNS query leaves the machine, and the test does not depend on one.
import dns from 'node:dns';

export const UNKNOWN_HOST = 'erp-server.invalid';

type Callback = (err: NodeJS.ErrnoException | null, ...rest: unknown[]) => void;

/** Until the returned function is called, names under .invalid are unknown; others resolve as usual. */
export function answerUnknownHosts(): () => void {
  const real = dns.lookup;
  const fake = (hostname: string, options: unknown, callback?: Callback) => {
    if (!hostname.endsWith('.invalid')) return (real as (...args: unknown[]) => void).call(dns, hostname, options, callback);
    const done = (typeof options === 'function' ? options : callback) as Callback;
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname });
    process.nextTick(done, err);
  };
  dns.lookup = fake as typeof dns.lookup;
  return () => {
    dns.lookup = real;
  };
}
