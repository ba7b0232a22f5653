// The alert as a JSON POST. The address is a secret (Teams' and Slack's carry their token in it):
// it is masked in every message, which names only its host. undici's fetch through the same
// network settings as the calls to Clearnox (clearnox.proxy, else HTTPS_PROXY/NO_PROXY;
// clearnox.caFile, clearnox.systemCertificates); this machine is reached directly.
import { fetch } from 'undici';
import { dispatcherFor, type NetworkDispatcher } from '../clearnox/proxy.js';
import type { ProxyRoute } from '../clearnox/errors.js';
import type { WebhookAlert } from '../mapping/sections/alerts.js';
import type { NetworkSection } from '../mapping/sections/network.js';
import { redact } from '../secrets.js';
import type { AlertContent } from './content.js';
import { AlertNotSentError, seconds } from './not-sent.js';
import { webhookPayload } from './webhook-formats.js';

export interface WebhookOptions {
  timeoutMs: number;
  /** The section whose network settings apply (the mapping file's clearnox section), and its folder. */
  network?: { section: NetworkSection; baseDir: string };
}

function failureOf(e: unknown, host: string, timeoutMs: number, proxy: ProxyRoute | undefined): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const name = (e as { name?: string }).name;
  const via = proxy ? ` through the proxy ${proxy.proxy} (from ${proxy.from})` : '';
  if (name === 'TimeoutError' || name === 'AbortError') return `the webhook at ${host} did not answer within ${seconds(timeoutMs)}${via}.`;
  const detail = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i.test(`${detail} ${cause?.message ?? ''}`)) {
    return (
      `the webhook at ${host} did not prove its identity${via}: its certificate could not be verified (${detail}). ` +
      `Check alerts.webhook.url; behind a TLS-inspecting proxy, give its CA in clearnox.caFile or set clearnox.systemCertificates.`
    );
  }
  return `the webhook at ${host} could not be reached${via} (${detail}).`;
}

/** Posts the alert; throws AlertNotSentError with a masked message. */
export async function sendWebhookAlert(webhook: WebhookAlert, content: AlertContent, opts: WebhookOptions): Promise<{ host: string; status: number }> {
  const url = new URL(webhook.url);
  const host = url.host;
  // Made for this one call, and destroyed after it: a receiver holding the connection cannot hold the run.
  let dispatcher: NetworkDispatcher | undefined;
  try {
    let proxy: ProxyRoute | undefined;
    try {
      dispatcher = dispatcherFor(opts.network?.section, opts.network?.baseDir ?? '.', { timeoutMs: opts.timeoutMs });
      proxy = dispatcher.route(url).proxy;
    } catch (e) {
      // A proxy or CA setting that cannot be used (a caFile not there): the run said so already.
      throw new AlertNotSentError(redact(`the webhook at ${host} cannot be reached with the network settings: ${e instanceof Error ? e.message : String(e)}`));
    }
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
      throw new AlertNotSentError(redact(failureOf(e, host, opts.timeoutMs, proxy)));
    }
    const answer = (await res.text().catch(() => '')).trim().slice(0, 300);
    if (res.status < 200 || res.status > 299) {
      throw new AlertNotSentError(redact(`the webhook at ${host} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${answer ? `: ${answer}` : ''}.`));
    }
    return { host, status: res.status };
  } finally {
    await dispatcher?.destroy().catch(() => undefined);
  }
}
