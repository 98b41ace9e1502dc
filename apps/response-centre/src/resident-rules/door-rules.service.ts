import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Interval } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord } from '@welfare/contracts';
import { Clock, PeriodicSweep } from '@welfare/platform';
import { AlarmOpeningService } from '../alarms/alarm-opening.service';
import { AlarmTrigger, correlationKey, RULE_ALARM } from '../alarms/alarm-rules';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { IntakeResult, openedOrRepeated } from '../intake/intake-result';
import type { DeviceOwnership } from '../registry-view/registry-devices.repository';
import { RegistryDevicesRepository } from '../registry-view/registry-devices.repository';
import { RegistryResidentsRepository } from '../registry-view/registry-residents.repository';
import { nightWindowContains } from './night-window';

const BATCH = 100;
const DOOR_ALARMS: AlarmTrigger[] = ['door.opened', 'door.left_open'];

interface DueWatch {
  device_id: string;
  door: string;
  opened_event_id: string;
  opened_at: Date;
  due_at: Date;
}

/**
 * Door sensors. `door.opened` inside the resident's night window (local time) opens a
 * priority-2 alarm; with an open-door limit it also starts a watch, and a watch that runs out
 * before `door.closed` opens a "door left open" alarm. `door.closed` ends the watch and is logged
 * on the door alarms still unresolved; the operator closes them. Times are the device's (when
 * the door moved), so a late delivery is judged by when it happened. Watches are rows, swept
 * with SKIP LOCKED: they survive restarts and fire once with two instances.
 */
@Injectable()
export class DoorRulesService {
  private readonly logger = new Logger(DoorRulesService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'door watch sweep');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly residents: RegistryResidentsRepository,
    private readonly registry: RegistryDevicesRepository,
    private readonly opening: AlarmOpeningService,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly clock: Clock,
  ) {}

  async opened(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId, event } = record;
    const rules = owner?.residentId ? await this.residents.rulesFor(manager, owner.residentId) : null;
    const at = deviceTimeInstant(event.time);
    if (rules?.doorOpenLimitMinutes) {
      // A second "opened" before "closed" keeps the first: the door has been open since then.
      await manager.query(
        `INSERT INTO door_watches (device_id, door, resident_id, opened_event_id, opened_at, due_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [
          deviceId,
          doorOf(record),
          owner?.residentId ?? null,
          event.id,
          at,
          new Date(at.getTime() + rules.doorOpenLimitMinutes * 60_000),
        ],
      );
    }
    if (!rules?.doorNightWindow || !nightWindowContains(rules.doorNightWindow, at)) return { outcome: 'stored' };
    const details = {
      eventId: event.id,
      type: event.type,
      door: doorOf(record),
      deviceTime: event.time,
      receivedAt: record.receivedAt,
      nightWindow: rules.doorNightWindow,
    };
    return openedOrRepeated(
      await this.opening.openOrAttach(
        manager,
        {
          deviceId,
          triggerEventId: event.id,
          triggerType: 'door.opened',
          ...RULE_ALARM,
          triggeredAt: at,
          owner,
          details,
          fromDeviceEvent: true,
        },
        now,
      ),
    );
  }

  async closed(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId, event } = record;
    await manager.query(`DELETE FROM door_watches WHERE device_id = $1 AND door = $2`, [deviceId, doorOf(record)]);
    let loggedOn: string | null = null;
    for (const trigger of DOOR_ALARMS) {
      const alarm = await this.alarms.findUnresolvedByKey(
        manager,
        correlationKey(RULE_ALARM.kind, trigger, deviceId, owner?.residentId ?? null),
      );
      if (!alarm) continue;
      const details = {
        eventId: event.id,
        door: doorOf(record),
        deviceTime: event.time,
        receivedAt: record.receivedAt,
      };
      await this.log.append(manager, {
        alarmId: alarm.id,
        step: 'door_closed',
        at: now,
        actorKind: 'device',
        actorId: deviceId,
        details,
      });
      loggedOn ??= alarm.id;
    }
    return loggedOn ? { outcome: 'logged_on_alarm', alarmId: loggedOn } : { outcome: 'stored' };
  }

  /** Every 5 s, one sweep at a time per instance; a failed sweep is logged and the next one tries again. */
  @Interval('door-watch-sweep', 5000)
  sweep(): Promise<number> {
    return this.periodicSweep.run(() => this.raiseDue(this.clock.now()));
  }

  /** "Door left open" alarms for every watch due at `now` (tests pass a time of their choosing); returns how many. */
  async raiseDue(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const due: DueWatch[] = await manager.query(
          `SELECT device_id, door, opened_event_id, opened_at, due_at FROM door_watches WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [now, BATCH],
        );
        for (const watch of due) await this.leftOpen(manager, watch, now);
        return due.length;
      });
      total += count;
      if (count < BATCH) return total;
    }
  }

  private async leftOpen(manager: EntityManager, watch: DueWatch, now: Date): Promise<void> {
    const owner = await this.registry.ownership(manager, watch.device_id);
    const details = {
      door: watch.door || null,
      openedAt: watch.opened_at.toISOString(),
      openedEventId: watch.opened_event_id,
    };
    const cause = {
      deviceId: watch.device_id,
      triggerEventId: `door-open:${watch.opened_event_id}`,
      triggerType: 'door.left_open' as const,
      ...RULE_ALARM,
    };
    const { alarmId } = await this.opening.openOrAttach(
      manager,
      { ...cause, triggeredAt: watch.due_at, owner, details, fromDeviceEvent: false },
      now,
    );
    await manager.query(`DELETE FROM door_watches WHERE device_id = $1 AND door = $2`, [watch.device_id, watch.door]);
    this.logger.warn({ deviceId: watch.device_id, door: watch.door, alarmId }, 'door left open past its limit');
  }
}

/** The contract's optional `door` names which door of a multi-door sensor; '' is the only one. */
function doorOf(record: DeviceEventRecord): string {
  const door = (record.event as { door?: unknown }).door;
  return typeof door === 'string' ? door : '';
}
