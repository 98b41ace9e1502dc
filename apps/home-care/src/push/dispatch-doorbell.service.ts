import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { InjectMetric } from '@welfare/platform';
import { PushSender } from './push-sender';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';

/** What a push says: only that there is a dispatch and which. No resident data ever leaves in a push. */
export interface DoorbellMessage {
  type: 'dispatch';
  dispatchId: string;
}

/**
 * Rings the phones of a team's nurses who allowed notifications when a new dispatch arrives.
 * Best effort and off the intake's path: the dispatch is already stored and on the live stream;
 * a push is only a doorbell, so a slow push service never holds up the next dispatch. A
 * subscription the push service calls gone (404/410) is removed.
 */
@Injectable()
export class DispatchDoorbellService implements OnApplicationShutdown {
  private readonly logger = new Logger(DispatchDoorbellService.name);
  private readonly ringing = new Set<Promise<void>>();

  constructor(
    private readonly subscriptions: PushSubscriptionsRepository,
    private readonly sender: PushSender,
    @InjectMetric('dispatch_pushes_total') private readonly pushes: Counter<'outcome'>,
  ) {}

  /** Starts ringing and returns at once; `settled()` waits for every ring under way. */
  ring(homeCareTeamId: string, dispatchId: string): void {
    if (!this.sender.enabled) return;
    const ringing = this.ringTeam(homeCareTeamId, dispatchId).catch((error: unknown) =>
      this.logger.error({ err: error, dispatchId }, 'push for a new dispatch failed'),
    );
    this.ringing.add(ringing);
    void ringing.finally(() => this.ringing.delete(ringing));
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.ringing]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  private async ringTeam(homeCareTeamId: string, dispatchId: string): Promise<void> {
    const message: DoorbellMessage = { type: 'dispatch', dispatchId };
    const phones = await this.subscriptions.findForTeam(homeCareTeamId);
    await Promise.all(
      phones.map(async (phone) => {
        const outcome = await this.sender.send(
          { endpoint: phone.endpoint, keys: { p256dh: phone.p256dh, auth: phone.auth } },
          message,
        );
        this.pushes.inc({ outcome });
        if (outcome === 'gone') await this.subscriptions.removeExpired(phone.id);
      }),
    );
  }
}
