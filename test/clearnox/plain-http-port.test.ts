// OpenSSL reading a plain HTTP answer as TLS says so in one of two codes, by its version; either is
// a wrong port or scheme in clearnox.baseUrl (exit 2, not repeated), never a certificate matter.
import { describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/clearnox/errors.js';
import { toNetworkError } from '../../src/clearnox/http.js';

describe('a port that answers plain HTTP to https://', () => {
  it.each(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG'])('%s', (code) => {
    const url = new URL('https://erp-gw.example.com:8080/api/v1/entries/without-document');
    let thrown: unknown;
    try {
      toNetworkError(Object.assign(new Error('ssl3_get_record:wrong version number'), { code }), url, 'entries');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(NetworkError);
    const e = thrown as NetworkError;
    expect([e.failure, e.kind, e.retryable]).toEqual(['plain-http', 'config', false]);
    expect(e.message).toMatch(/^The server at erp-gw\.example\.com:8080 answered in plain HTTP while listing the entries without a document/);
    expect(e.message).not.toMatch(/certificate|NODE_EXTRA_CA_CERTS|proxy|Could not reach/i);
  });

  it('a certificate that does not verify is still told as one', () => {
    let thrown: unknown;
    try {
      toNetworkError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), new URL('https://h/'), 'token');
    } catch (e) {
      thrown = e;
    }
    expect([(thrown as NetworkError).failure, (thrown as NetworkError).kind]).toEqual(['tls', 'untrusted']);
  });
});
