// How this machine reaches Clearnox (and any other HTTPS the program makes): the customer's proxy,
// and the certificates to trust beyond Node's own list. Keys of the clearnox section.
import { z } from 'zod';
import { secret } from '../secret-keys.js';

export const ProxyKeysSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'a proxy address such as http://proxy.corp.example:3128' })
      .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), {
        message: 'holds a user name or password; give them as clearnox.proxy.username and clearnox.proxy.password (a reference), not in the address',
      })
      .describe(
        'Address of the proxy, e.g. http://proxy.corp.example:3128, or https://proxy.corp.example:3129 for a proxy that speaks TLS itself. Every HTTPS call goes through it as a CONNECT tunnel, except to this machine and to the hosts of noProxy.',
      ),
    username: z.string().min(1).optional().describe('User name for the proxy\'s Basic authentication (Proxy-Authorization).'),
    password: secret(z.string().min(1))
      .optional()
      .describe(
        'Password for the proxy: a reference such as `${env:PROXY_PASSWORD}` or `${file:proxy-password.txt}`, never the password itself. To an http:// proxy it travels readable on the local network (Basic authentication); an https:// proxy keeps it encrypted.',
      ),
    noProxy: z
      .array(z.string().min(1))
      .optional()
      .describe('Hosts reached directly, as NO_PROXY lists them: a name (its sub-domains too), .example.com, host:port, or * for all.'),
  })
  .strict()
  .refine((p) => (p.username === undefined) === (p.password === undefined), {
    message: 'give both username and password, or neither',
  });

export const NetworkKeys = {
  proxy: z
    .union([z.literal('none'), ProxyKeysSchema])
    .optional()
    .describe(
      'The HTTP(S) proxy to go through (url, and username and password when it asks for them), or none to go direct whatever HTTPS_PROXY says. Without this key, HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case forms) apply.',
    ),
  caFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A PEM file of CA certificates trusted besides Node\'s own list (relative to the mapping file\'s folder): the CA of a TLS-inspecting proxy, or of a private Clearnox gateway. Read once when the run starts.',
    ),
  systemCertificates: z
    .boolean()
    .default(false)
    .describe(
      'Also trust the CA certificates of the operating system\'s store (Windows: the machine\'s and the account\'s trusted roots), where a TLS-inspecting proxy\'s CA is usually deployed. Needs Node.js 22.15 or later, as in the executables; on an older Node, give caFile.',
    ),
};

export type ProxyKeys = z.output<typeof ProxyKeysSchema>;

/** What the network needs of a section: the clearnox section, or any other that borrows its settings. */
export interface NetworkSection {
  proxy?: 'none' | ProxyKeys | undefined;
  caFile?: string | undefined;
  systemCertificates?: boolean | undefined;
}
