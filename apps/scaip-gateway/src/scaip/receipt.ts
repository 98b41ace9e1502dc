import type { SnuValue } from './scaip-request';

/** Where the centre wants a unit with voice to call, told in the receipt. */
export interface VoiceCallback {
  /** The number (or SIP URI) the unit calls: `<cre>` 62 "call the number in `tnu`". */
  number: string;
}

/**
 * The `<mrs>` receipt body: `ref` echoed, `snu`, a short text for a refusal, and for a unit with
 * voice (its `crd` is not `no-voice:`) when the centre is set up for it: duplex voice (`mre` 1)
 * to the centre's number (`cre` 62, `tnu`). One-digit `mre`, as implementations send it.
 */
export function receiptBody(ref: string, snu: SnuValue, text?: string, voice?: VoiceCallback): string {
  const parts = [`<ref>${escapeXml(ref)}</ref>`, `<snu>${snu}</snu>`];
  if (text) parts.push(`<ste>${escapeXml(text.slice(0, 100))}</ste>`);
  if (voice) parts.push('<mre>1</mre>', '<cre>62</cre>', `<tnu>${escapeXml(voice.number)}</tnu>`);
  return `<mrs>${parts.join('')}</mrs>`;
}

/** Whether a unit can talk, by its voice route (`crd`): any route but `no-voice:`; none given, no. */
export function hasVoice(crd: string | undefined): boolean {
  const route = crd?.trim().toLowerCase() ?? '';
  return route !== '' && !route.startsWith('no-voice');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
