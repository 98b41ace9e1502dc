import { SaxesParser } from 'saxes';

/** SCAIP `snu` status numbers of a receipt (`<mrs>`), as receivers in the field send them. */
export const Snu = {
  ok: 0,
  tooLong: 1,
  invalidFormat: 2,
  wrongData: 3,
  mandatoryTagMissing: 7,
} as const;
export type SnuValue = (typeof Snu)[keyof typeof Snu];

/** The tags of an `<mrq>` the gateway reads; others are ignored (kept in the raw body of a dead letter only). */
const KNOWN_TAGS = [
  'ref',
  'cid',
  'dty',
  'ver',
  'sco',
  'cha',
  'mty',
  'hbo',
  'did',
  'dco',
  'dte',
  'crd',
  'stc',
  'stt',
  'pri',
  'lco',
  'lva',
  'lte',
  'ico',
  'ite',
  'ame',
  'geo',
  'tim',
  'gga',
] as const;
type KnownTag = (typeof KNOWN_TAGS)[number];

export type ScaipMessageType = 'ME' | 'RE' | 'IN' | 'PI';

/** One SCAIP request with the real units' quirks smoothed out (trimmed, numbers compared as numbers). */
export interface ScaipRequest {
  ref: string;
  /** Controller id, leading and trailing spaces trimmed. */
  cid: string;
  /** Device type as a number (`2`, `02` and `0002` are the same). */
  dty: number;
  /** `mty`; a missing one is taken as `ME`, as production receivers do. */
  mty: ScaipMessageType;
  /** Status code as a number; null when the message has none. */
  stc: number | null;
  did: string | null;
  /** Every tag the gateway knows, as sent (trimmed), for the raw codes carried on the event. */
  fields: Partial<Record<KnownTag, string>>;
}

/** A refusal carries the message's `ref` when it could be read, so the receipt can name it. */
export type ScaipParse =
  | { ok: true; request: ScaipRequest }
  | { ok: false; ref: string | null; snu: SnuValue; reason: string; detail: string };

export interface ScaipLimits {
  maxBodyBytes: number;
  maxDepth: number;
}

export const DEFAULT_SCAIP_LIMITS: ScaipLimits = { maxBodyBytes: 4096, maxDepth: 4 };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const REF = /^[A-Za-z0-9]{1,16}$/;
const CID = /^[0-9]{1,16}$/;
const NUMBER = /^[0-9]{1,4}$/;
const DID = /^[A-Za-z0-9]{1,8}$/;
const MESSAGE_TYPES: readonly string[] = ['ME', 'RE', 'IN', 'PI'];

/** Refused inside the parser's callbacks: stops parsing at once. */
class Refusal extends Error {
  constructor(
    readonly snu: SnuValue,
    readonly reason: string,
    detail: string,
    readonly ref: string | null = null,
  ) {
    super(detail);
  }
}

/**
 * Reads a SCAIP `<mrq>` body. The XML parser (saxes) never resolves entities or fetches
 * anything: a document type declaration is refused as soon as it is seen (no XXE, no entity
 * expansion), an entity other than XML's five predefined ones or a character reference is an
 * error, nesting deeper than `maxDepth` is refused, and so are bytes that are not UTF-8.
 */
export function parseScaipRequest(body: Buffer, limits: ScaipLimits = DEFAULT_SCAIP_LIMITS): ScaipParse {
  try {
    return { ok: true, request: readRequest(body, limits) };
  } catch (error) {
    if (error instanceof Refusal)
      return { ok: false, ref: error.ref, snu: error.snu, reason: error.reason, detail: error.message };
    return {
      ok: false,
      ref: null,
      snu: Snu.invalidFormat,
      reason: 'invalid_xml',
      detail: `not well-formed XML: ${firstLine(error)}`,
    };
  }
}

function readRequest(body: Buffer, limits: ScaipLimits): ScaipRequest {
  if (body.byteLength > limits.maxBodyBytes)
    throw new Refusal(
      Snu.tooLong,
      'body_too_large',
      `body is ${body.byteLength} bytes; the limit is ${limits.maxBodyBytes}`,
    );
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new Refusal(Snu.invalidFormat, 'invalid_utf8', 'body is not valid UTF-8');
  }
  const fields = readFields(text, limits.maxDepth);
  try {
    return checkFields(fields);
  } catch (error) {
    if (!(error instanceof Refusal) || !fields.ref || !REF.test(fields.ref)) throw error;
    throw new Refusal(error.snu, error.reason, error.message, fields.ref);
  }
}

function readFields(text: string, maxDepth: number): Partial<Record<KnownTag, string>> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const fields: Partial<Record<KnownTag, string>> = {};
  const open: string[] = [];
  let root: string | null = null;
  let textOf = '';
  parser.on('doctype', () => {
    throw new Refusal(
      Snu.invalidFormat,
      'xml_doctype',
      'a document type declaration is not allowed (entities are never resolved)',
    );
  });
  parser.on('opentag', (tag) => {
    if (root === null) root = tag.name;
    open.push(tag.name);
    if (open.length > maxDepth)
      throw new Refusal(Snu.invalidFormat, 'xml_too_deep', `elements nested deeper than ${maxDepth}`);
    textOf = '';
  });
  parser.on('text', (chunk) => (textOf += chunk));
  parser.on('cdata', (chunk) => (textOf += chunk));
  parser.on('closetag', (tag) => {
    open.pop();
    const name = tag.name as KnownTag;
    if ((KNOWN_TAGS as readonly string[]).includes(name) && fields[name] === undefined) fields[name] = textOf.trim();
    textOf = '';
  });
  parser.on('error', (error) => {
    throw error;
  });
  parser.write(text).close();
  if (root !== 'mrq')
    throw new Refusal(
      Snu.invalidFormat,
      'not_an_mrq',
      root ? `root element is <${root}>, not <mrq>` : 'no root element',
    );
  return fields;
}

function checkFields(fields: Partial<Record<KnownTag, string>>): ScaipRequest {
  for (const tag of ['ref', 'cid', 'dty'] as const)
    if (!fields[tag])
      throw new Refusal(Snu.mandatoryTagMissing, 'mandatory_tag_missing', `<${tag}> is missing or empty`);
  const { ref, cid, dty } = fields as Record<'ref' | 'cid' | 'dty', string>;
  if (!REF.test(ref)) throw new Refusal(Snu.wrongData, 'invalid_ref', '<ref> must be 1-16 letters or digits');
  if (!CID.test(cid)) throw new Refusal(Snu.wrongData, 'invalid_cid', '<cid> must be 1-16 digits');
  if (!NUMBER.test(dty)) throw new Refusal(Snu.wrongData, 'invalid_dty', '<dty> must be a number of up to 4 digits');
  const mty = fields.mty ? fields.mty.toUpperCase() : 'ME';
  if (!MESSAGE_TYPES.includes(mty))
    throw new Refusal(Snu.wrongData, 'invalid_mty', `<mty> must be one of ${MESSAGE_TYPES.join(', ')}`);
  if (fields.stc && !NUMBER.test(fields.stc))
    throw new Refusal(Snu.wrongData, 'invalid_stc', '<stc> must be a number of up to 4 digits');
  if (fields.did && !DID.test(fields.did))
    throw new Refusal(Snu.wrongData, 'invalid_did', '<did> must be 1-8 letters or digits');
  return {
    ref,
    cid,
    dty: Number(dty),
    mty: mty as ScaipMessageType,
    stc: fields.stc ? Number(fields.stc) : null,
    did: fields.did || null,
    fields,
  };
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error)
    .split('\n')[0]
    .slice(0, 200);
}
