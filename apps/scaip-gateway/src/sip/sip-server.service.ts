import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as sip from 'sip';
import type { SipMessage, SipRemote, SipStack } from 'sip';
import { Counter } from 'prom-client';
import { InjectMetric } from '@welfare/platform';
import { IntakeOutcome, ScaipIntakeService, UnitAuthentication } from '../intake/scaip-intake.service';
import { UnitCredentialsService } from '../intake/unit-credentials.service';
import { receiptBody, VoiceCallback } from '../scaip/receipt';
import { ScaipGatewayConfig } from '../scaip-gateway.config';
import { DigestAuthenticator } from './digest-authenticator';
import { FloodGuard } from './flood-guard';

export const SCAIP_CONTENT_TYPE = 'application/scaip+xml';

/**
 * SIP for SCAIP units: MESSAGE requests with `application/scaip+xml` over UDP, TCP and (when
 * configured) TLS, parsed by the `sip` package (its transaction layer absorbs retransmissions).
 *
 * The answer follows the units in the field: `200 OK` to the MESSAGE, then a MESSAGE of the
 * gateway's own back to the unit, on the same transport and address, with the `<mrs>` receipt.
 * The `200 OK` and the receipt with `snu` 0 go out only after Kafka has the event; when Kafka
 * does not take it in time the unit gets `503` and no receipt, and sends again. A body that
 * cannot be read gets its `snu` (1, 2, 3, 7) in the receipt, or `400` when not even its `ref` was
 * readable; a controller the registry does not have active gets `403`; another method `405`,
 * another content type `415`, a source over its request rate `503`; a MESSAGE without valid SIP
 * digest credentials `401` with a fresh challenge (wrong and replayed ones are dead-lettered). Every refusal is counted
 * and (except the flood, whose volume is the attack) dead-lettered with its reason.
 */
@Injectable()
export class SipServerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SipServerService.name);
  private readonly flood: FloodGuard;
  private readonly digest: DigestAuthenticator;
  private stack: SipStack | null = null;
  private readonly host: string;

  constructor(
    private readonly config: ScaipGatewayConfig,
    private readonly intake: ScaipIntakeService,
    private readonly credentials: UnitCredentialsService,
    @InjectMetric('sip_refused_total') private readonly refused: Counter<'reason'>,
  ) {
    this.flood = new FloodGuard(config.SIP_FLOOD_REQUESTS_PER_MINUTE);
    this.digest = new DigestAuthenticator(config.SCAIP_DIGEST_REALM);
    this.host = config.SIP_HOST === '0.0.0.0' ? '127.0.0.1' : config.SIP_HOST;
  }

  /** After every module's init: the registry view has caught up before the first unit is heard. */
  onApplicationBootstrap(): void {
    const tls =
      this.config.SIP_TLS_PORT !== undefined
        ? { key: readFileSync(this.config.SIP_TLS_KEY_FILE!), cert: readFileSync(this.config.SIP_TLS_CERT_FILE!) }
        : undefined;
    this.stack = sip.create(
      {
        address: this.config.SIP_HOST,
        publicAddress: this.host,
        port: this.config.SIP_PORT,
        udp: true,
        tcp: true,
        tls,
        tls_port: this.config.SIP_TLS_PORT,
        // A stream connection sending more than this without a complete message is dropped.
        maxBytesHeaders: 8192,
        maxContentLength: this.config.SCAIP_MAX_BODY_BYTES * 4,
        logger: { error: (error) => this.logger.warn({ err: error }, 'SIP stack error') },
      },
      (request, remote) => void this.onRequest(request, remote),
    );
    this.logger.log(
      {
        udp: this.config.SIP_PORT,
        tcp: this.config.SIP_PORT,
        tls: this.config.SIP_TLS_PORT ?? null,
        host: this.config.SIP_HOST,
      },
      'SCAIP units may send SIP MESSAGEs',
    );
  }

  onApplicationShutdown(): void {
    this.stack?.destroy();
    this.stack = null;
  }

  private async onRequest(request: SipMessage, remote: SipRemote): Promise<void> {
    try {
      await this.handle(request, remote);
    } catch (error) {
      this.logger.error({ err: error, remote: `${remote.address}:${remote.port}` }, 'SIP request failed');
      this.respond(request, 500, 'Server Internal Error');
    }
  }

  private async handle(request: SipMessage, remote: SipRemote): Promise<void> {
    if (request.method === 'ACK') return;
    if (!this.flood.admit(remote.address, Date.now())) return this.refuse(request, 503, 'Service Unavailable', 'flood');
    if (request.method === 'OPTIONS') return this.respond(request, 200, 'OK');
    // Some units REGISTER before they send; the gateway needs no binding (it answers where they send from).
    if (request.method === 'REGISTER') return this.respond(request, 200, 'OK');
    if (request.method !== 'MESSAGE') return this.refuse(request, 405, 'Method Not Allowed', 'method_not_allowed');
    const origin = { transport: remote.protocol.toUpperCase(), remote: `${remote.address}:${remote.port}` };
    const body = Buffer.from(request.content ?? '', 'binary');
    const mediaType = String(request.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (mediaType !== SCAIP_CONTENT_TYPE) {
      await this.intake.deadLetter(
        'wrong_content_type',
        `content type "${mediaType.slice(0, 60)}" is not ${SCAIP_CONTENT_TYPE}`,
        body,
        origin,
      );
      return this.refuse(request, 415, 'Unsupported Media Type', 'wrong_content_type');
    }
    const declared = request.headers['content-length'];
    if (typeof declared === 'number' && declared !== body.byteLength) {
      await this.intake.deadLetter(
        'truncated_message',
        `Content-Length ${declared}, body ${body.byteLength} bytes`,
        body,
        origin,
      );
      return this.refuse(request, 400, 'Truncated Body', 'truncated_message');
    }
    const authenticate = this.config.SCAIP_AUTH === 'digest' ? this.authenticator(request) : undefined;
    this.answer(request, remote, await this.intake.take(body, origin, authenticate));
  }

  /** Checks the MESSAGE's digest credentials against the unit's HA1 (username = controller id). */
  private authenticator(request: SipMessage): UnitAuthentication {
    return async (controllerId) => {
      let ha1: string | null;
      try {
        ha1 = await this.credentials.ha1(controllerId);
      } catch (error) {
        this.logger.warn({ err: error }, 'registry did not give digest credentials');
        return { ok: false, reason: null, detail: 'registry unavailable', unavailable: true };
      }
      if (!ha1) return { ok: false, reason: 'digest_no_credentials', detail: 'the unit has no issued secret' };
      return this.digest.verify(request, controllerId, ha1, Date.now());
    };
  }

  private answer(request: SipMessage, remote: SipRemote, outcome: IntakeOutcome): void {
    switch (outcome.kind) {
      case 'received':
        this.respond(request, 200, 'OK');
        return this.sendReceipt(request, remote, receiptBody(outcome.ref, 0, undefined, this.voiceCallback(outcome)));
      case 'unavailable':
        return this.refuse(request, 503, 'Service Unavailable', 'unavailable');
      case 'unauthenticated':
        this.refused.inc({ reason: 'unauthenticated' });
        this.stack?.send(this.digest.challenge(sip.makeResponse(request, 401, 'Unauthorized'), Date.now()));
        return;
      case 'refused':
        if (outcome.forbidden) return this.refuse(request, 403, 'Forbidden', outcome.reason);
        if (outcome.ref === null) return this.refuse(request, 400, 'Bad SCAIP Body', outcome.reason);
        this.refused.inc({ reason: outcome.reason });
        this.respond(request, 200, 'OK');
        return this.sendReceipt(request, remote, receiptBody(outcome.ref, outcome.snu, outcome.detail));
    }
  }

  /** Where a unit with voice is told to call, when the centre is set up for it. */
  private voiceCallback(outcome: { voice: boolean }): VoiceCallback | undefined {
    const number = this.config.SCAIP_VOICE_CALL_NUMBER;
    return outcome.voice && number ? { number } : undefined;
  }

  private refuse(request: SipMessage, status: number, reason: string, why: string): void {
    this.refused.inc({ reason: why });
    this.respond(request, status, reason);
  }

  private respond(request: SipMessage, status: number, reason: string): void {
    this.stack?.send(sip.makeResponse(request, status, reason));
  }

  /**
   * The receipt: a MESSAGE of the gateway's own to the unit, routed over the flow (transport,
   * address and port; the same TCP or TLS connection) its MESSAGE came on, with its Call-ID.
   */
  private sendReceipt(request: SipMessage, remote: SipRemote, body: string): void {
    if (!this.stack) return;
    const unit = request.headers.from!;
    const scheme = remote.protocol.toUpperCase() === 'TLS' ? 'sips' : 'sip';
    this.stack.send(
      {
        method: 'MESSAGE',
        uri: unit.uri,
        headers: {
          route: [{ uri: this.stack.encodeFlowUri(remote), params: {} }],
          to: { uri: unit.uri, params: {} },
          from: { uri: `${scheme}:scaip-gateway@${this.host}`, params: { tag: randomBytes(6).toString('hex') } },
          // The unit's Call-ID: units (and SIPp playing them) match the receipt to their MESSAGE by it.
          'call-id': request.headers['call-id'],
          cseq: { method: 'MESSAGE', seq: 1 },
          'content-type': SCAIP_CONTENT_TYPE,
          'max-forwards': 70,
          via: [],
        },
        content: body,
      },
      (response) => {
        if ((response.status ?? 0) >= 300)
          this.logger.warn(
            { status: response.status, remote: `${remote.address}:${remote.port}` },
            'unit refused its receipt',
          );
      },
    );
  }
}
