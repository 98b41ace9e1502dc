import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Interval } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { OutboxRelayService } from '@welfare/persistence';
import { Clock, PeriodicSweep } from '@welfare/platform';
import { Alarm } from '../alarms/alarm.entity';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { EscalationService } from '../escalation/escalation.service';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { ResponseCentreConfig } from '../response-centre.config';
import { Dispatch } from './dispatch.entity';
import { DispatchesRepository } from './dispatches.repository';

const BATCH = 100;

/**
 * The backstop for a home-care service that says nothing: a dispatch still `requested` when
 * its acceptBy and DISPATCH_UNANSWERED_GRACE_SECONDS have passed (home care would have expired
 * it by then) is marked `unanswered`, logged, and its alarm escalated, so an operator acts
 * again. Nothing is sent to home care: the centre does not know whether a nurse took it, and
 * a late word from home care is still taken in (dispatch-updates.service.ts). Swept like
 * escalation: the due time is a column, rows are taken with SKIP LOCKED.
 */
@Injectable()
export class UnansweredDispatchesService {
  private readonly logger = new Logger(UnansweredDispatchesService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'unanswered-dispatch sweep');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatches: DispatchesRepository,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly escalation: EscalationService,
    private readonly relay: OutboxRelayService,
    private readonly config: ResponseCentreConfig,
    private readonly clock: Clock,
  ) {}

  /** Every 5 s, one sweep at a time per instance; a failed sweep is logged and the next one tries again. */
  @Interval('unanswered-dispatch-sweep', 5000)
  tick(): Promise<number> {
    return this.periodicSweep.run(() => this.sweep(this.clock.now()));
  }

  /** Marks every dispatch unanswered at `now` (tests pass a time of their choosing); returns how many. */
  async sweep(now: Date): Promise<number> {
    const dueBefore = new Date(now.getTime() - this.config.DISPATCH_UNANSWERED_GRACE_SECONDS * 1000);
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const due = await this.dispatches.lockUnanswered(manager, dueBefore, BATCH);
        for (const dispatch of due) await this.markUnanswered(manager, dispatch, now);
        return due.length;
      });
      total += count;
      if (count < BATCH) break;
    }
    if (total > 0) void this.relay.drain();
    return total;
  }

  private async markUnanswered(manager: EntityManager, dispatch: Dispatch, now: Date): Promise<void> {
    await this.dispatches.update(manager, dispatch.id, { status: 'unanswered', updatedAt: now });
    await this.alarms.touch(manager, dispatch.alarmId, now);
    const silentSeconds = Math.round((now.getTime() - dispatch.acceptBy.getTime()) / 1000);
    await this.log.append(manager, {
      alarmId: dispatch.alarmId,
      step: 'dispatch_unanswered',
      at: now,
      actorKind: 'system',
      actorId: 'dispatch-backstop',
      details: {
        dispatchId: dispatch.id,
        homeCareTeamId: dispatch.homeCareTeamId,
        acceptBy: dispatch.acceptBy.toISOString(),
        silentSeconds,
      },
    });
    // The sweep's query holds the alarm's row too.
    const alarm = await manager.findOneByOrFail(Alarm, { id: dispatch.alarmId });
    if (alarm.state !== 'resolved')
      await this.escalation.escalate(manager, alarm, now, { cause: 'dispatch_unanswered', dispatchId: dispatch.id });
    this.logger.warn(
      { alarmId: dispatch.alarmId, dispatchId: dispatch.id, homeCareTeamId: dispatch.homeCareTeamId, silentSeconds },
      'dispatch unanswered by home care: alarm escalated',
    );
  }
}
