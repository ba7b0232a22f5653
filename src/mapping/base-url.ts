// What clearnox.baseUrl may hold beyond being a URL. The Clearnox client secret and the tokens
// travel in every login and call: over plain HTTP anyone on the network path reads them. Only the
// sandbox on this machine may be spoken to that way.
import { isLoopbackHost } from '../loopback.js';

/** What is wrong with clearnox.baseUrl beyond being a URL, or undefined. */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined; // the URL check of the schema says it
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return (
      `would send the client secret unencrypted over the network to ${url.hostname}; write https:// ` +
      `(plain http:// is accepted only for this machine, 127.0.0.1, ::1 or localhost, as for the sandbox)`
    );
  }
  if (url.username || url.password) {
    return 'holds a user name or password before the @; remove it: the client is identified by clientId and clientSecret';
  }
  // The client adds api/v1/... (and oauth/token) itself: an address copied from the API's
  // documentation with /api/v1 in it would be asked for /api/v1/api/v1/..., which no server knows.
  const apiAt = url.pathname.search(/\/api\/v1(?:\/|$)/i);
  if (apiAt >= 0) {
    const address = `${url.origin}${url.pathname.slice(0, apiAt)}`;
    return `holds the path /api/v1, which clearnox-sync adds to every call itself; write the address without it: ${address}`;
  }
  return undefined;
}
