import type { SnuValue } from './scaip-request';

/** The `<mrs>` receipt body: `ref` echoed, `snu`, and a short text for a refusal. */
export function receiptBody(ref: string, snu: SnuValue, text?: string): string {
  const parts = [`<ref>${escapeXml(ref)}</ref>`, `<snu>${snu}</snu>`];
  if (text) parts.push(`<ste>${escapeXml(text.slice(0, 100))}</ste>`);
  return `<mrs>${parts.join('')}</mrs>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
