// The alert as a JSON POST. The address is a secret (Teams' and Slack's carry their token in it):
// it is masked in every message, which names only its host. undici's fetch with its own
// dispatcher, so that HTTPS_PROXY/NO_PROXY apply (Node 20's global fetch ignores them); this
// machine is reached directly, as the Clearnox client does.
import { Agent, EnvHttpProxyAgent, fetch, type Dispatcher } from 'undici';
import { isLoopbackHost } from '../loopback.js';
import type { WebhookAlert } from '../mapping/sections/alerts.js';
import { redact } from '../secrets.js';
import { runningUnderWine } from '../wine.js';
import type { AlertContent } from './content.js';
import { AlertNotSentError, seconds } from './not-sent.js';
import { webhookPayload } from './webhook-formats.js';

export interface WebhookOptions {
  timeoutMs: number;
  /** Tests give their own; otherwise a proxy-aware one is made for this call and closed after it. */
  dispatcher?: Dispatcher;
}

function dispatcherFor(url: URL, timeoutMs: number): Dispatcher {
  const timeouts = {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    ...(runningUnderWine() ? { connect: { keepAlive: false } } : {}),
  };
  return isLoopbackHost(url.hostname) ? new Agent(timeouts) : new EnvHttpProxyAgent(timeouts);
}

function failureOf(e: unknown, host: string, timeoutMs: number): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const name = (e as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `the webhook at ${host} did not answer within ${seconds(timeoutMs)}.`;
  const detail = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i.test(`${detail} ${cause?.message ?? ''}`)) {
    return `the webhook at ${host} did not prove its identity: its certificate could not be verified (${detail}); check alerts.webhook.url (a TLS-inspecting proxy needs its CA in the system's store).`;
  }
  return `the webhook at ${host} could not be reached (${detail}).`;
}

/** Posts the alert; throws AlertNotSentError with a masked message. */
export async function sendWebhookAlert(webhook: WebhookAlert, content: AlertContent, opts: WebhookOptions): Promise<{ host: string; status: number }> {
  const url = new URL(webhook.url);
  const host = url.host;
  const dispatcher = opts.dispatcher ?? dispatcherFor(url, opts.timeoutMs);
  try {
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'clearnox-sync' },
        body: JSON.stringify(webhookPayload(content, webhook.format)),
        // A receiver that moves is not followed: the alert goes to the address given or nowhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
        dispatcher,
      });
    } catch (e) {
      throw new AlertNotSentError(redact(failureOf(e, host, opts.timeoutMs)));
    }
    const answer = (await res.text().catch(() => '')).trim().slice(0, 300);
    if (res.status < 200 || res.status > 299) {
      throw new AlertNotSentError(redact(`the webhook at ${host} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${answer ? `: ${answer}` : ''}.`));
    }
    return { host, status: res.status };
  } finally {
    // Made for this one call: destroyed, so that a receiver holding the connection cannot hold the run.
    if (!opts.dispatcher) await dispatcher.destroy().catch(() => undefined);
  }
}
