import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import type { DispatchActor } from '@welfare/contracts';
import { OutboxRelayService } from '@welfare/persistence';
import { Clock, InjectMetric, PeriodicSweep } from '@welfare/platform';
import { HomeCareConfig } from '../home-care.config';
import { DispatchUpdateOutbox } from '../outbox/dispatch-update-outbox';
import { Dispatch } from './dispatch.entity';
import { DispatchLogRepository } from './dispatch-log.repository';
import { DispatchesRepository } from './dispatches.repository';

/** Who expires a dispatch: this service itself (contract: `{ id: 'home-care', name: null }`). */
export const HOME_CARE_ACTOR: DispatchActor = { id: 'home-care', name: null };
const BATCH = 100;

/**
 * Expires dispatches still `requested` at their acceptBy: status `expired`, a log row, and
 * `dispatch.expired` for the response centre (outbox), in one transaction. Only this service
 * decides expiry. Due rows are locked with SKIP LOCKED and changed in the same transaction, so
 * with two instances each dispatch expires once; an accept racing the sweep either holds the
 * row first (the sweep skips it, and the next sweep finds it accepted) or waits for the sweep
 * and then finds it expired (its `WHERE status = 'requested'` matches nothing): one of them wins.
 * The due time is a column, so a restart loses no timer.
 */
@Injectable()
export class DispatchExpiryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchExpiryService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'dispatch expiry sweep');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatches: DispatchesRepository,
    private readonly log: DispatchLogRepository,
    private readonly outbox: DispatchUpdateOutbox,
    private readonly relay: OutboxRelayService,
    private readonly clock: Clock,
    private readonly config: HomeCareConfig,
    private readonly scheduler: SchedulerRegistry,
    @InjectMetric('dispatches_expired_total') private readonly expired: Counter,
  ) {}

  /** Registered with @nestjs/schedule at the configured period (DISPATCH_EXPIRY_SWEEP_MS); the schedule module clears it on shutdown. */
  onApplicationBootstrap(): void {
    this.scheduler.addInterval(
      'dispatch-expiry-sweep',
      setInterval(() => void this.sweep(), this.config.DISPATCH_EXPIRY_SWEEP_MS),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.periodicSweep.current;
  }

  /** One sweep at a time per instance; a failed sweep is logged and the next one tries again. */
  sweep(): Promise<number> {
    return this.periodicSweep.run(() => this.expireDue(this.clock.now()));
  }

  /** Expires every dispatch due at `now` (tests pass a time of their choosing); returns how many. */
  async expireDue(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const due = await this.dispatches.lockDueForExpiry(manager, now, BATCH);
        for (const dispatch of due) await this.expire(manager, dispatch, now);
        return due.length;
      });
      total += count;
      if (count < BATCH) break;
    }
    if (total > 0) void this.relay.drain();
    return total;
  }

  private async expire(manager: EntityManager, dispatch: Dispatch, now: Date): Promise<void> {
    await this.dispatches.update(manager, dispatch.id, { status: 'expired', expiredAt: now, updatedAt: now });
    await this.log.append(manager, {
      dispatchId: dispatch.id,
      homeCareTeamId: dispatch.homeCareTeamId,
      step: 'expired',
      at: now,
      actorKind: 'system',
      actorId: HOME_CARE_ACTOR.id,
      actorName: null,
      details: { acceptBy: dispatch.acceptBy.toISOString() },
    });
    await this.outbox.enqueue(manager, dispatch, 'dispatch.expired', HOME_CARE_ACTOR, now);
    this.expired.inc();
    this.logger.warn(
      {
        dispatchId: dispatch.id,
        alarmId: dispatch.alarmId,
        teamId: dispatch.homeCareTeamId,
        acceptBy: dispatch.acceptBy.toISOString(),
      },
      'dispatch expired: nobody accepted it in time',
    );
  }
}
