import { z } from 'zod';
import { secret } from '../../../src/mapping/secret-keys.js';

export const SmbOptions = z
  .object({
    root: z
      .string()
      .min(1)
      .describe('The share and folder holding the PDFs as a UNC path: `\\\\FILESRV\\Factures` or `\\\\FILESRV\\Factures\\2024` (`/` also accepted).'),
    username: z
      .string()
      .min(1)
      .optional()
      .describe('Account on the file server: required on Linux; not used on Windows, where the account that runs clearnox-sync reads the share.'),
    password: secret(z.string().min(1)).optional().describe('Password of the account: a reference such as `${env:SMB_PASSWORD}`.'),
    domain: z.string().min(1).optional().describe('Windows domain (or workgroup) of the account, e.g. CONTOSO.'),
    port: z.number().int().min(1).max(65535).default(445).describe('SMB port of the file server.'),
    signing: z
      .enum(['required', 'if_server_requires'])
      .default('required')
      .describe('Message signing: required (default: what Windows 11 24H2 and Server 2025 demand, and what every Windows server can do), or if_server_requires for an old NAS that cannot sign.'),
    encryption: z
      .enum(['off', 'desired', 'required'])
      .default('desired')
      .describe('SMB3 encryption of the traffic: desired (default: used when the server offers it), required, or off.'),
    transfers: z.number().int().min(1).max(16).default(4).describe('Files read at once (each through its own SMB session).'),
    retries: z.number().int().min(0).max(10).default(2).describe('Times a file is tried again when the connection fails before any of it was read.'),
    timeoutSeconds: z.number().int().positive().default(60).describe('Time allowed for one SMB request; a transfer silent that long is taken as lost.'),
  })
  .strict();

export type SmbOptions = z.output<typeof SmbOptions>;
