// alerts: who hears of a run that went wrong without opening its report. A scheduled task runs
// at night and nobody reads Task Scheduler's last result; an e-mail or a Teams/Slack message does
// get read. Its credentials and the webhook's address (which carries its token) are secrets.
import { z } from 'zod';
import { isLoopbackHost } from '../../loopback.js';
import { secret } from '../secret-keys.js';

// A plain address or "Name <address>": what nodemailer takes and what a mail client shows.
const ADDRESS = /^(?:[^<>@\s][^<>@]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;
const address = z
  .string()
  .trim()
  .regex(ADDRESS, 'an e-mail address such as it@acme.fr or "IT <it@acme.fr>"');

export const EMAIL_PORTS = { starttls: 587, tls: 465, none: 25 } as const;

export const EmailAlertSchema = z
  .object({
    host: z.string().min(1).describe('SMTP server (relay) that sends the alerts, e.g. smtp.office365.com or mail.acme.local.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe(`Its port (default ${EMAIL_PORTS.starttls} with security: starttls, ${EMAIL_PORTS.tls} with tls, ${EMAIL_PORTS.none} with none).`),
    security: z
      .enum(['starttls', 'tls', 'none'])
      .default('starttls')
      .describe(
        'How the connection is encrypted: `starttls` (the server must offer STARTTLS; nothing is sent if it does not, never falling back to plain text), `tls` (TLS from the start, usually port 465), or `none`, accepted only for a relay on this machine (127.0.0.1, ::1, localhost) and without username/password. The server\'s certificate is always verified; for a private CA give caFile.',
      ),
    username: z.string().min(1).optional().describe('Account for SMTP authentication (AUTH PLAIN/LOGIN), sent only once the connection is encrypted.'),
    password: secret(z.string().min(1))
      .optional()
      .describe('Its password: a reference such as `${env:SMTP_PASSWORD}`, `${file:smtp-password.txt}` or `${secret:smtp}`, never the password itself.'),
    from: address.describe('Sender address, e.g. "clearnox-sync <clearnox-sync@acme.fr>"; the relay may require its own account\'s address.'),
    to: z
      .union([address, z.array(address).min(1)])
      .describe('Recipient address, or a list of them.'),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file of the certificate authority that signed the SMTP server\'s certificate (a company\'s own CA), relative to the mapping file; only it is trusted then.'),
    subjectPrefix: z.string().min(1).optional().describe('Start of the subject (default: "clearnox-sync" and the mapping file\'s name, e.g. "clearnox-sync acme").'),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.security !== 'none') return;
    if (!isLoopbackHost(e.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['security'],
        message: `none would send the alerts unencrypted over the network to ${e.host}; write starttls (or tls). none is accepted only for a relay on this machine (127.0.0.1, ::1 or localhost)`,
      });
    }
    for (const key of ['username', 'password'] as const) {
      if (e[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is never sent over an unencrypted connection: with security: none remove it, or use security: starttls (or tls)',
        });
      }
    }
  })
  .refine((e) => (e.username === undefined) === (e.password === undefined), {
    message: 'give both username and password, or neither',
    path: ['password'],
  })
  .describe('E-mail over SMTP: a plain-text and HTML message.');

export const WebhookAlertSchema = z
  .object({
    // Checked by hand rather than as a URL format: the file holds a reference, which the JSON
    // Schema must accept as it is.
    url: secret(z.string().min(1))
      .superRefine((value, ctx) => {
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'is not a URL; it should give an https:// address' });
          return;
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
          ctx.addIssue({ code: 'custom', message: 'must start with https://' });
        } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
          ctx.addIssue({ code: 'custom', message: 'must start with https:// (plain http:// is accepted only for this machine: 127.0.0.1, ::1 or localhost)' });
        }
      })
      .describe(
        'Address the alert is POSTed to: a Teams Workflows or incoming-webhook URL, a Slack incoming webhook, or your own. It carries its token, so it is a secret: a reference such as `${env:TEAMS_WEBHOOK_URL}` or `${secret:teams-webhook}`.',
      ),
    format: z
      .enum(['json', 'teams', 'slack'])
      .default('json')
      .describe('`teams`: an Adaptive Card (Teams Workflows and incoming webhooks); `slack`: text and blocks; `json`: the alert\'s fields as JSON, for a script or a monitoring system.'),
  })
  .strict()
  .describe('A JSON POST (Teams, Slack or your own receiver), through the same proxy and certificates as the calls to Clearnox (clearnox.proxy, else HTTPS_PROXY/NO_PROXY; clearnox.caFile, clearnox.systemCertificates).');

export const AlertsSectionSchema = z
  .object({
    email: EmailAlertSchema.optional(),
    webhook: WebhookAlertSchema.optional(),
    on: z
      .enum(['problems', 'always'])
      .default('problems')
      .describe(
        '`problems`: when a run aborts or has problems to tell (new ones only, unless report.problems is all); `always`: after every run. A dry run alerts the same way, saying it was one.',
      ),
  })
  .strict()
  .refine((a) => a.email !== undefined || a.webhook !== undefined, { message: 'give email, webhook or both' })
  .describe('Alerts when a run aborts or has new problems: by e-mail, by webhook, or both. Never a secret in them; one that cannot be sent is a warning in the log and changes nothing else.');

export type AlertsSection = z.output<typeof AlertsSectionSchema>;
export type EmailAlert = z.output<typeof EmailAlertSchema>;
export type WebhookAlert = z.output<typeof WebhookAlertSchema>;
