import { z } from 'zod';
import { secret } from '../../../src/mapping/secret-keys.js';

const seconds = (d: number, what: string) => z.number().positive().default(d).describe(what);

export const SftpOptions = z
  .object({
    host: z.string().min(1).describe('Name or address of the SFTP server.'),
    port: z.number().int().min(1).max(65535).default(22).describe('SSH port of the server.'),
    username: z.string().min(1).describe('Account used to log in.'),
    password: secret(z.string().min(1)).optional().describe('Password of the account: a reference such as `${env:SFTP_PASSWORD}`, never written in the file.'),
    privateKeyFile: z
      .string()
      .min(1)
      .optional()
      .describe('Private key file (OpenSSH or PEM format: RSA, ECDSA, Ed25519), relative to the mapping file unless absolute.'),
    passphrase: secret(z.string().min(1)).optional().describe('Passphrase of the private key: a reference such as `${env:SFTP_KEY_PASSPHRASE}`.'),
    agent: z
      .union([z.boolean(), z.string().min(1)])
      .optional()
      .describe('Log in through an SSH agent: true for SSH_AUTH_SOCK (on Windows, the OpenSSH Authentication Agent service), or the agent socket path, or "pageant".'),
    hostKeyFingerprint: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        "The server's SHA-256 host key fingerprint, as ssh-keygen -l prints it (SHA256:...); a list while a key is being replaced. Without it the connection is refused and the message shows the fingerprint to check and pin.",
      ),
    root: z.string().min(1).default('.').describe('Folder on the server that holds the PDFs (default: the login folder).'),
    connections: z.number().int().min(1).max(8).default(2).describe('SSH connections opened at most, one after the other and only when the open ones are busy.'),
    transfersPerConnection: z.number().int().min(1).max(64).default(8).describe('Files read at once on each connection.'),
    retries: z.number().int().min(0).max(10).default(3).describe('Times a file is retried on a new connection after the connection dropped.'),
    connectTimeoutSeconds: seconds(20, 'Time allowed to connect and log in.'),
    operationTimeoutSeconds: seconds(60, 'Time without an answer after which the connection is taken as lost (and replaced).'),
    keepaliveSeconds: seconds(15, 'Interval of SSH keep-alive messages; 3 unanswered ones close the connection.'),
  })
  .strict();

export type SftpOptions = z.output<typeof SftpOptions>;
