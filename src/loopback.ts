// Whether an address stays on this machine: the one place where plain HTTP carries nothing an
// eavesdropper on the network could read.
import { isIPv4, isIPv6 } from 'node:net';

/**
 * A host name or address as a URL or a listen option gives it (`[::1]` or `::1`): true only for
 * 127.0.0.0/8, ::1 and the name localhost itself. `localhost.example` or `127.0.0.1.example` are
 * names any DNS server may answer, so they are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(h);
  return false;
}
