// After a run: the alerts the mapping file asks for, when the run calls for one. An alert is a
// courtesy on top of the exit code and the report: one that cannot be sent is a warning in the
// log, and changes neither the exit code nor anything the run wrote.
import type { Logger } from '../log.js';
import type { LoadedMapping } from '../mapping/schema.js';
import { abortKind, messageOf } from '../pipeline/classify.js';
import type { RunReport } from '../pipeline/report.js';
import { alertIsDue, failureAlert, reportAlert, type AlertContent, type AlertFiles } from './content.js';
import { sendEmailAlert } from './email.js';
import { sendWebhookAlert } from './webhook.js';

/** How long one alert (e-mail or webhook) may take before it is given up. */
export const ALERT_TIMEOUT_MS = 30_000;

export interface AlertOptions extends AlertFiles {
  log: Logger;
  /** ALERT_TIMEOUT_MS unless a test gives less. */
  timeoutMs?: number;
}

function filesOf(opts: AlertFiles): AlertFiles {
  return { ...(opts.reportFile ? { reportFile: opts.reportFile } : {}), ...(opts.logFile ? { logFile: opts.logFile } : {}) };
}

/** Sends by every way the mapping file gives; whether at least one of them reached someone. */
async function deliver(loaded: LoadedMapping, content: AlertContent, opts: AlertOptions): Promise<boolean> {
  const alerts = loaded.mapping.alerts;
  if (!alerts) return true;
  const timeoutMs = opts.timeoutMs ?? ALERT_TIMEOUT_MS;
  const { log } = opts;
  const sends: Promise<boolean>[] = [];
  if (alerts.email) {
    const email = alerts.email;
    sends.push(
      sendEmailAlert(email, content, { baseDir: loaded.baseDir, timeoutMs }).then(
        ({ to }) => (log.info({ alert: 'email', to, subject: content.subject }, `Alert e-mail sent to ${to.join(', ')}: ${content.subject}`), true),
        (e: unknown) => (log.warn({ alert: 'email', err: messageOf(e) }, `The alert e-mail was not sent: ${messageOf(e)} The run's result and exit code are as they would be without it.`), false),
      ),
    );
  }
  if (alerts.webhook) {
    const webhook = alerts.webhook;
    sends.push(
      sendWebhookAlert(webhook, content, { timeoutMs, network: { section: loaded.mapping.clearnox, baseDir: loaded.baseDir } }).then(
        ({ host, status }) => (log.info({ alert: 'webhook', host, status, format: webhook.format }, `Alert sent to the webhook at ${host} (${status}): ${content.subject}`), true),
        (e: unknown) => (log.warn({ alert: 'webhook', err: messageOf(e) }, `The alert was not sent to the webhook: ${messageOf(e)} The run's result and exit code are as they would be without it.`), false),
      ),
    );
  }
  return (await Promise.all(sends)).some(Boolean) || sends.length === 0;
}

/**
 * At the end of the run: an alert when the run aborted, has problems to tell, or alerts.on is
 * always. False when one was due and no way of sending it worked: its new problems are then not
 * news yet (the run keeps them new for the next one). Never throws.
 */
export async function sendAlerts(loaded: LoadedMapping, report: RunReport, opts: AlertOptions): Promise<boolean> {
  try {
    if (!loaded.mapping.alerts || !alertIsDue(loaded, report)) return true;
    return await deliver(loaded, reportAlert(loaded, report, filesOf(opts)), opts);
  } catch (e) {
    // A bug in making the alert must not turn the run's result into another one.
    opts.log.warn({ alert: true, err: messageOf(e) }, `The alerts were not sent: ${messageOf(e)}`);
    return false;
  }
}

/** A run that stopped before it had a report (its error escapes to the command line): the abort alert. Never throws. */
export async function sendFailureAlerts(loaded: LoadedMapping, error: unknown, opts: AlertOptions & { dryRun?: boolean }): Promise<void> {
  try {
    if (!loaded.mapping.alerts) return;
    const content = failureAlert(loaded, { message: messageOf(error), kind: abortKind(error) }, filesOf(opts), opts.dryRun ?? loaded.mapping.upload.dryRun);
    await deliver(loaded, content, opts);
  } catch (e) {
    opts.log.warn({ alert: true, err: messageOf(e) }, `The alerts were not sent: ${messageOf(e)}`);
  }
}
