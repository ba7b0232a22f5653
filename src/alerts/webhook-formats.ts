// The webhook's body in the three shapes receivers take: Teams (an Adaptive Card in the message
// envelope that both Workflows' "When a Teams webhook request is received" and the older incoming
// webhooks accept), Slack (text for notifications, blocks for the message) and plain JSON.
import type { WebhookAlert } from '../mapping/sections/alerts.js';
import type { AlertContent } from './content.js';
import { alertText, problemLine } from './render.js';

/** The alert's fields for a script or a monitoring system. */
export function jsonPayload(a: AlertContent): Record<string, unknown> {
  return {
    tool: 'clearnox-sync',
    subject: a.subject,
    status: a.status,
    headline: a.headline,
    mappingFile: a.mappingFile,
    runId: a.runId ?? null,
    startedAt: a.startedAt ?? null,
    finishedAt: a.finishedAt ?? null,
    dryRun: a.dryRun,
    abort: a.abort ?? null,
    counts: Object.fromEntries(a.counts.map((c) => [c.label, c.value])),
    problems: a.problems,
    moreProblems: a.moreProblems,
    knownProblems: a.knownProblems,
    reportFile: a.reportFile ?? null,
    logFile: a.logFile ?? null,
    text: alertText(a),
  };
}

function factsOf(a: AlertContent): { title: string; value: string }[] {
  return [{ title: 'Mapping file', value: a.mappingFile }, ...a.counts.map((c) => ({ title: c.label, value: String(c.value) }))];
}

function filesText(a: AlertContent): string[] {
  return [a.reportFile ? `Report: ${a.reportFile}` : '', a.logFile ? `Log: ${a.logFile}` : ''].filter(Boolean);
}

export function teamsPayload(a: AlertContent): Record<string, unknown> {
  const text = (t: string, more: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: t, wrap: true, ...more });
  const body: Record<string, unknown>[] = [
    text(a.subject, { size: 'Medium', weight: 'Bolder', color: a.status === 'completed' ? 'Good' : 'Attention' }),
    text(a.headline),
  ];
  if (a.dryRun) body.push(text('It was a dry run: nothing was sent to Clearnox.', { isSubtle: true }));
  if (a.abort) body.push(text(`What stopped it (${a.abort.kind}), while ${a.abort.stage}:`, { weight: 'Bolder' }), text(a.abort.message));
  body.push({ type: 'FactSet', facts: factsOf(a) });
  if (a.problems.length > 0) {
    body.push(text('The first problems:', { weight: 'Bolder' }));
    // One TextBlock per problem: Adaptive Cards read Markdown, and a reason may hold * or _.
    for (const p of a.problems) body.push(text(problemLine(p), { spacing: 'None', fontType: 'Monospace', size: 'Small' }));
    if (a.moreProblems > 0) body.push(text(`... and ${a.moreProblems} more in the report.`, { isSubtle: true }));
  }
  if (a.knownProblems > 0) body.push(text(`${a.knownProblems} known problems, reported by earlier runs, are in the report.`, { isSubtle: true }));
  for (const line of filesText(a)) body.push(text(line, { isSubtle: true, spacing: 'Small' }));
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', msteams: { width: 'Full' }, body },
      },
    ],
  };
}

// Slack's limits: 150 characters in a header, 3,000 in a section's text, 50 blocks.
const SLACK_HEADER = 150;
const SLACK_SECTION = 3000;

/** Slack's mrkdwn reads &, < and > as markup: escaped, so a reason shows as written. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function slackPayload(a: AlertContent): Record<string, unknown> {
  const section = (t: string) => ({ type: 'section', text: { type: 'mrkdwn', text: cut(t, SLACK_SECTION) } });
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: cut(a.subject, SLACK_HEADER) } }, section(slackEscape(a.headline))];
  if (a.dryRun) blocks.push(section('_It was a dry run: nothing was sent to Clearnox._'));
  if (a.abort) blocks.push(section(`*What stopped it* (${slackEscape(a.abort.kind)}), while ${slackEscape(a.abort.stage)}:\n${slackEscape(a.abort.message)}`));
  blocks.push(section(factsOf(a).map((f) => `${slackEscape(f.title)}: *${slackEscape(f.value)}*`).join('\n')));
  if (a.problems.length > 0) {
    const lines = a.problems.map((p) => `• ${slackEscape(problemLine(p))}`);
    if (a.moreProblems > 0) lines.push(`… and ${a.moreProblems} more in the report.`);
    blocks.push(section(`*The first problems:*\n${lines.join('\n')}`));
  }
  const footer = [...(a.knownProblems > 0 ? [`${a.knownProblems} known problems, reported by earlier runs, are in the report.`] : []), ...filesText(a)];
  if (footer.length > 0) blocks.push({ type: 'context', elements: footer.map((t) => ({ type: 'mrkdwn', text: cut(slackEscape(t), SLACK_SECTION) })) });
  return { text: `${a.subject}\n${a.headline}`, blocks };
}

export function webhookPayload(a: AlertContent, format: WebhookAlert['format']): Record<string, unknown> {
  if (format === 'teams') return teamsPayload(a);
  if (format === 'slack') return slackPayload(a);
  return jsonPayload(a);
}
