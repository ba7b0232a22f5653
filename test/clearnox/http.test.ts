import { describe, expect, it } from 'vitest';
import { joinUrl, parseBaseUrl } from '../../src/clearnox/http.js';

describe('baseUrl joining', () => {
  it.each([
    ['https://api.clearnox.com', 'https://api.clearnox.com/api/v1/documents/imports'],
    ['https://api.clearnox.com/', 'https://api.clearnox.com/api/v1/documents/imports'],
    ['https://gw.example.com/clearnox', 'https://gw.example.com/clearnox/api/v1/documents/imports'],
    ['https://gw.example.com/clearnox/', 'https://gw.example.com/clearnox/api/v1/documents/imports'],
    ['http://127.0.0.1:8080/a/b?x=1#f', 'http://127.0.0.1:8080/a/b/api/v1/documents/imports'],
  ])('%s', (base, expected) => {
    expect(joinUrl(parseBaseUrl(base), 'api/v1/documents/imports').href).toBe(expected);
    expect(joinUrl(parseBaseUrl(base), '/api/v1/documents/imports').href).toBe(expected);
  });

  it('adds query parameters and leaves undefined ones out', () => {
    const url = joinUrl(parseBaseUrl('https://h/p'), 'api/v1/entries/without-document', { page: 2, pageSize: 1000, companyCode: 'A&B FR', dateFrom: undefined });
    expect(url.pathname).toBe('/p/api/v1/entries/without-document');
    expect(url.searchParams.get('companyCode')).toBe('A&B FR');
    expect(url.searchParams.has('dateFrom')).toBe(false);
    expect(url.search).toBe('?page=2&pageSize=1000&companyCode=A%26B+FR');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => parseBaseUrl('api.clearnox.com')).toThrow(/not a URL/);
    expect(() => parseBaseUrl('ftp://api.clearnox.com')).toThrow(/https:\/\//);
  });
});
