// The alert by e-mail, through nodemailer's SMTP transport. The connection is encrypted before
// anything is said that matters (STARTTLS required, or TLS from the start), the server's
// certificate is verified against the system's CAs or the one caFile names, and the password
// goes only over that connection; `none` is for a relay on this very machine and takes no password.
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { readRegularFile } from '../regular-file.js';
import { redact } from '../secrets.js';
import { EMAIL_PORTS, type EmailAlert } from '../mapping/sections/alerts.js';
import type { AlertContent } from './content.js';
import { AlertNotSentError, seconds } from './not-sent.js';
import { alertHtml, alertText } from './render.js';

async function caOf(email: EmailAlert, baseDir: string): Promise<string | undefined> {
  if (!email.caFile) return undefined;
  const file = path.resolve(baseDir, email.caFile);
  try {
    return (await readRegularFile(file)).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AlertNotSentError(`alerts.email.caFile: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}); give the PEM file of the CA that signed the SMTP server's certificate`);
  }
}

export function transportOptions(email: EmailAlert, ca: string | undefined, timeoutMs: number): SMTPTransportOptions {
  return {
    host: email.host,
    port: email.port ?? EMAIL_PORTS[email.security],
    secure: email.security === 'tls',
    // STARTTLS or nothing: without requireTLS nodemailer carries on in plain text when the server
    // does not offer it, and a man in the middle only has to strip that one line.
    requireTLS: email.security === 'starttls',
    ignoreTLS: email.security === 'none',
    ...(email.username && email.password ? { auth: { user: email.username, pass: email.password } } : {}),
    // rejectUnauthorized stays Node's default (true); a private CA is given, never verification dropped.
    tls: { ...(ca ? { ca } : {}), minVersion: 'TLSv1.2' },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // The message is built from text only: nothing it holds may make nodemailer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** nodemailer's error in words that say what to do; what the server answered is kept, masked. */
export function emailFailure(e: unknown, email: EmailAlert): string {
  const err = e as { code?: string; message?: string; response?: string; cause?: { code?: string; message?: string } };
  const detail = [err.message, err.cause?.message, err.cause?.code].filter(Boolean).join(': ');
  const where = `${email.host}:${email.port ?? EMAIL_PORTS[email.security]}`;
  if (/certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i.test(detail)) {
    return (
      `the SMTP server ${where} did not prove its identity: its certificate could not be verified (${detail}). ` +
      `If it is signed by your company's own CA, give that CA's certificate (PEM) in alerts.email.caFile; ` +
      `check that alerts.email.host is the name in the certificate. Nothing was sent.`
    );
  }
  if (err.code === 'ETLS' && email.security === 'starttls') {
    return (
      `the SMTP server ${where} did not start encryption (STARTTLS): ${detail}. Nothing was sent, the password neither: ` +
      `use a port where it offers STARTTLS (587), or security: tls for TLS from the start (465).`
    );
  }
  if (err.code === 'EAUTH') return `the SMTP server ${where} refused the login of alerts.email.username: ${detail}. Correct alerts.email.username or the password its reference gives.`;
  if (err.code === 'ETIMEDOUT') return `the SMTP server ${where} did not answer in time (${detail}).`;
  if (err.code === 'EDNS') return `the SMTP server's name ${email.host} could not be resolved (${detail}); check alerts.email.host.`;
  if (err.code === 'EENVELOPE') return `the SMTP server ${where} refused the sender or a recipient: ${detail}. Check alerts.email.from and alerts.email.to.`;
  return `the SMTP server ${where} could not be reached or refused the message: ${detail}${err.code ? ` (${err.code})` : ''}.`;
}

export interface EmailOptions {
  baseDir: string;
  timeoutMs: number;
}

/** Sends the alert; throws AlertNotSentError with a masked message that says why and what to do. */
export async function sendEmailAlert(email: EmailAlert, content: AlertContent, opts: EmailOptions): Promise<{ to: string[] }> {
  const ca = await caOf(email, opts.baseDir);
  const to = Array.isArray(email.to) ? email.to : [email.to];
  const transport = nodemailer.createTransport(transportOptions(email, ca, opts.timeoutMs));
  // nodemailer's timeouts are per step; a server that answers slowly at every step still ends here.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${seconds(opts.timeoutMs)}`), { code: 'ETIMEDOUT' })), opts.timeoutMs);
  });
  try {
    await Promise.race([
      transport.sendMail({
        from: email.from,
        to,
        subject: content.subject,
        text: alertText(content),
        html: alertHtml(content),
        // RFC 3834: an automatic message, to which out-of-office replies are not sent.
        headers: { 'Auto-Submitted': 'auto-generated' },
      }),
      deadline,
    ]);
    return { to };
  } catch (e) {
    throw new AlertNotSentError(redact(emailFailure(e, email)));
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
