import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '@welfare/access';
import { Clock, DomainError } from '@welfare/platform';
import { CentreScope, centreScopeOf } from '../access/centre-scope';
import { Dispatch } from '../dispatch/dispatch.entity';
import { DispatchesRepository } from '../dispatch/dispatches.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { DeviceCommandOutbox } from '../outbox/device-command-outbox';
import { OutboxRelayService } from '@welfare/persistence';
import { Alarm } from './alarm.entity';
import { AlarmAction, alarmNotFound, AlarmOutcome, refusal } from './alarm-state';
import { AlarmsRepository } from './alarms.repository';

/**
 * What operators do to an alarm. Each action is one transaction: the conditional state
 * change, its handling-log row, and any device command, so none exists without the others.
 * Every read and update is scoped to the operator's centre: another centre's alarm is not found.
 * The handling log names the operator by their identity provider subject.
 */
@Injectable()
export class AlarmHandlingService {
  private readonly logger = new Logger(AlarmHandlingService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly outbox: DeviceCommandOutbox,
    private readonly relay: OutboxRelayService,
    private readonly dispatches: DispatchesRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Exactly one operator wins an open alarm; anyone else gets a conflict naming who has it.
   * The same operator asking again (a double click, a retried request) gets the alarm back.
   */
  async acknowledge(actor: Actor, alarmId: string): Promise<Alarm> {
    const scope = centreScopeOf(actor);
    const operatorId = actor.subject;
    const alarm = await this.dataSource.transaction(async (manager) => {
      const at = this.clock.now();
      if (!(await this.alarms.acknowledgeIfOpen(manager, scope, alarmId, operatorId, at))) {
        const current = await this.requireAlarm(manager, scope, alarmId);
        if (current.state === 'acknowledged' && current.acknowledgedBy === operatorId) return current;
        throw this.refused('acknowledge', current);
      }
      const taken = await this.requireAlarm(manager, scope, alarmId);
      await this.log.append(manager, { alarmId, step: 'acknowledged', at, actorKind: 'operator', actorId: operatorId });
      await this.outbox.enqueue(manager, taken.deviceId, { type: 'alarm.acknowledged', alarmId }, at);
      return taken;
    });
    void this.relay.drain();
    this.logger.log({ alarmId, operatorId }, 'alarm acknowledged');
    return alarm;
  }

  async addNote(actor: Actor, alarmId: string, text: string): Promise<void> {
    const scope = centreScopeOf(actor);
    await this.dataSource.transaction(async (manager) => {
      // Lock the alarm row so a note cannot interleave with a concurrent state change.
      const alarm = await this.requireAlarm(manager, scope, alarmId, true);
      const refused = refusal('note', alarm);
      if (refused) throw refused;
      await this.log.append(manager, {
        alarmId,
        step: 'note',
        at: this.clock.now(),
        actorKind: 'operator',
        actorId: actor.subject,
        details: { text },
      });
    });
  }

  /**
   * Refused while a home-care team may still be acting on a dispatch (requested, accepted, en
   * route, arrived): calling a nurse back is a care decision of its own, taken with the withdraw
   * action and its reason, never a side effect of closing the record. The alarm row is locked
   * first, so a dispatch made at the same moment is either seen here or made after resolution
   * (and then refused for the resolved alarm).
   */
  async resolve(actor: Actor, alarmId: string, outcome: AlarmOutcome, note?: string): Promise<Alarm> {
    const scope = centreScopeOf(actor);
    const operatorId = actor.subject;
    const alarm = await this.dataSource.transaction(async (manager) => {
      const at = this.clock.now();
      await this.requireAlarm(manager, scope, alarmId, true);
      const active = await this.dispatches.findActive(manager, alarmId);
      if (active) throw dispatchStillActive(active);
      if (!(await this.alarms.resolveIfAcknowledged(manager, scope, alarmId, operatorId, outcome, at))) {
        throw this.refused('resolve', await this.requireAlarm(manager, scope, alarmId));
      }
      const details = note === undefined ? { outcome } : { outcome, note };
      await this.log.append(manager, {
        alarmId,
        step: 'resolved',
        at,
        actorKind: 'operator',
        actorId: operatorId,
        details,
      });
      return this.requireAlarm(manager, scope, alarmId);
    });
    this.logger.log({ alarmId, operatorId, outcome }, 'alarm resolved');
    return alarm;
  }

  private async requireAlarm(
    manager: EntityManager,
    scope: CentreScope,
    alarmId: string,
    lock = false,
  ): Promise<Alarm> {
    const alarm = await this.alarms.findInScope(scope, alarmId, manager, lock);
    if (!alarm) throw alarmNotFound(alarmId);
    return alarm;
  }

  private refused(action: AlarmAction, alarm: Alarm): Error {
    return refusal(action, alarm) ?? new Error(`alarm ${alarm.id}: ${action} refused in state ${alarm.state}`);
  }
}

function dispatchStillActive(dispatch: Dispatch): DomainError {
  return new DomainError(
    'conflict',
    'dispatch_active',
    `home care may still be acting on this alarm (dispatch to ${dispatch.homeCareTeamName} is ${dispatch.status}): withdraw the dispatch first if the visit is no longer needed, or wait for it to complete`,
    {
      alarmId: dispatch.alarmId,
      dispatchId: dispatch.id,
      dispatchStatus: dispatch.status,
      homeCareTeamId: dispatch.homeCareTeamId,
    },
  );
}
