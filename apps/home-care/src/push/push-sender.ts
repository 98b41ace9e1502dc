import { Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import tls from 'node:tls';
import webpush, { WebPushError } from 'web-push';
import { HomeCareConfig } from '../home-care.config';

/** Where a phone takes pushes and the keys its messages are encrypted with (from PushSubscription.toJSON()). */
export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** delivered; gone: the push service no longer knows the subscription (404/410); failed: try again next time. */
export type PushOutcome = 'delivered' | 'gone' | 'failed';

/**
 * Sends one Web Push message with the maintained `web-push` library: payload encrypted for the
 * subscription (RFC 8291, aes128gcm), the request signed with the service's VAPID key (RFC 8292).
 */
@Injectable()
export class PushSender {
  private readonly logger = new Logger(PushSender.name);
  /** Keeps connections to the push services open between messages; trusts PUSH_SERVICE_CA_FILE too when set. */
  private readonly agent: Agent;

  constructor(private readonly config: HomeCareConfig) {
    this.agent = new Agent({
      keepAlive: true,
      ...(config.PUSH_SERVICE_CA_FILE ? { ca: extraAuthorities(config) } : {}),
    });
  }

  get enabled(): boolean {
    return Boolean(this.config.PUSH_VAPID_PUBLIC_KEY && this.config.PUSH_VAPID_PRIVATE_KEY);
  }

  async send(target: PushTarget, payload: object): Promise<PushOutcome> {
    try {
      await webpush.sendNotification(target, JSON.stringify(payload), {
        vapidDetails: {
          subject: this.config.PUSH_VAPID_SUBJECT,
          publicKey: this.config.PUSH_VAPID_PUBLIC_KEY!,
          privateKey: this.config.PUSH_VAPID_PRIVATE_KEY!,
        },
        contentEncoding: 'aes128gcm',
        TTL: this.config.PUSH_TTL_SECONDS,
        urgency: 'high',
        timeout: 10_000,
        agent: this.agent,
      });
      return 'delivered';
    } catch (error) {
      if (error instanceof WebPushError && (error.statusCode === 404 || error.statusCode === 410)) return 'gone';
      const status = error instanceof WebPushError ? error.statusCode : undefined;
      this.logger.warn({ status, host: new URL(target.endpoint).host, err: error }, 'push not delivered');
      return 'failed';
    }
  }
}

/** The system's authorities and the file's: a missing or unreadable file stops the start. */
function extraAuthorities(config: HomeCareConfig): string[] {
  try {
    return [...tls.rootCertificates, readFileSync(config.PUSH_SERVICE_CA_FILE!, 'utf8')];
  } catch (error) {
    throw new Error(`PUSH_SERVICE_CA_FILE ${config.PUSH_SERVICE_CA_FILE} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** True when the endpoint is an https URL at one of the configured push services (or a subdomain). */
export function isAllowedPushEndpoint(endpoint: string, hosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  return url.protocol === 'https:' && hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}
