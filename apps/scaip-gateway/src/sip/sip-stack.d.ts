/** The parts of the `sip` package (kirm/sip.js, no bundled types) the gateway uses. */
declare module 'sip' {
  export interface SipUri {
    schema?: string;
    user?: string;
    host: string;
    port?: number;
    params: Record<string, string | null>;
  }
  export interface SipAddress {
    name?: string;
    uri: string;
    params: Record<string, string | null>;
  }
  export interface SipMessage {
    method?: string;
    uri?: string;
    status?: number;
    reason?: string;
    version?: string;
    headers: {
      via?: {
        version?: string;
        protocol?: string;
        host: string;
        port?: number;
        params: Record<string, string | null>;
      }[];
      from?: SipAddress;
      to?: SipAddress;
      'call-id'?: string;
      cseq?: { method: string; seq: number };
      'content-type'?: string;
      'content-length'?: number;
      [header: string]: unknown;
    };
    /** The body as a binary (latin1) string: one character per byte. */
    content?: string;
  }
  export interface SipRemote {
    protocol: string;
    address: string;
    port: number;
    local?: { address: string; port: number };
  }
  export interface SipStackOptions {
    address?: string;
    publicAddress?: string;
    port?: number;
    udp?: boolean;
    tcp?: boolean;
    tls?: { key: Buffer; cert: Buffer };
    tls_port?: number;
    maxBytesHeaders?: number;
    maxContentLength?: number;
    logger?: { error?: (error: unknown) => void };
  }
  export interface SipStack {
    send(message: SipMessage, onResponse?: (response: SipMessage) => void): void;
    /** A URI naming the connection (flow) a request came on: a request routed through it goes back on that flow. */
    encodeFlowUri(flow: SipRemote): SipUri;
    destroy(): void;
  }
  export function create(
    options: SipStackOptions,
    onRequest: (request: SipMessage, remote: SipRemote) => void,
  ): SipStack;
  export function makeResponse(
    request: SipMessage,
    status: number,
    reason: string,
    extension?: Partial<SipMessage>,
  ): SipMessage;
  export function parseUri(uri: string): SipUri;
  /** Serialises a message (Content-Length from `content`). */
  export function stringify(message: SipMessage): string;
  /** Splits a stream (TCP, TLS) into messages; feed it binary (latin1) strings. */
  export function makeStreamParser(onMessage: (message: SipMessage) => void): (data: string) => void;
}

declare module 'sip/digest.js' {
  import type { SipMessage } from 'sip';
  export function calculateDigest(ctx: {
    ha1: string;
    method?: string;
    uri?: string;
    nonce?: string;
    nc?: string;
    cnonce?: string;
    qop?: string;
    entity?: string;
  }): string;
  export function calculateUserRealmPasswordHash(user: string, realm: string, password: string): string;
  /** Client side: adds an Authorization header answering the challenge in `response` to `request`; returns the context (null without qop, which the gateway always asks for). */
  export function signRequest(
    ctx: object,
    request: SipMessage,
    response: SipMessage,
    credentials: { user: string; password: string },
  ): object;
}
