import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Interval } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord, NightWindow } from '@welfare/contracts';
import { Clock, PeriodicSweep } from '@welfare/platform';
import { AlarmOpeningService } from '../alarms/alarm-opening.service';
import { AlarmTrigger, correlationKey, RULE_ALARM } from '../alarms/alarm-rules';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { IntakeResult, openedOrRepeated } from '../intake/intake-result';
import type { DeviceOwnership } from '../registry-view/registry-devices.repository';
import { RegistryDevicesRepository } from '../registry-view/registry-devices.repository';
import { doorOf } from '../intake/event-decisions';
import type { WatchFact } from '../intake/event-decisions';

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
 * Door sensors' database work (what to do is decided in intake/event-decisions.ts). `door.opened`
 * inside the resident's night window (local time) opens a priority-2 alarm; with an open-door
 * limit it also starts a watch, and a watch that runs out before `door.closed` opens a "door left
 * open" alarm. `door.closed` ends the watch and is logged on the door alarms still unresolved;
 * the operator closes them. Watches are rows, swept with SKIP LOCKED: they survive restarts and
 * fire once with two instances.
 */
@Injectable()
export class DoorRulesService {
  private readonly logger = new Logger(DoorRulesService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'door watch sweep');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: RegistryDevicesRepository,
    private readonly opening: AlarmOpeningService,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly clock: Clock,
  ) {}

  /** `door.opened` inside the resident's night window: a priority-2 care alarm (or a repeat on it). */
  async openNightAlarm(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    nightWindow: NightWindow,
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId, event } = record;
    const details = {
      eventId: event.id,
      type: event.type,
      door: doorOf(record),
      deviceTime: event.time,
      receivedAt: record.receivedAt,
      nightWindow,
    };
    const cause = {
      deviceId,
      triggerEventId: event.id,
      triggerType: 'door.opened' as const,
      ...RULE_ALARM,
      triggeredAt: deviceTimeInstant(event.time),
      owner,
      details,
      fromDeviceEvent: true,
    };
    return openedOrRepeated(await this.opening.openOrAttach(manager, cause, now));
  }

  /** The correlation keys of the door alarms a `door.closed` of this device is logged on. */
  static closedAlarmKeys(deviceId: string, residentId: string | null): string[] {
    return DOOR_ALARMS.map((trigger) => correlationKey(RULE_ALARM.kind, trigger, deviceId, residentId));
  }

  /** `door.closed`: logged on the resident's unresolved door alarms; the operator closes them. */
  async logClosed(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId, event } = record;
    let loggedOn: string | null = null;
    for (const key of DoorRulesService.closedAlarmKeys(deviceId, owner?.residentId ?? null)) {
      const alarm = await this.alarms.findUnresolvedByKey(manager, key);
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

  /**
   * A batch's watch starts and ends, set-based, with the outcome of applying them in order: a
   * door closed in the batch ends its watch; a door opened after its last close (or with none)
   * starts one unless one runs already (the door has been open since then).
   */
  async applyWatches(manager: EntityManager, watches: WatchFact[]): Promise<void> {
    if (watches.length === 0) return;
    const ended = new Map<string, { deviceId: string; door: string }>();
    const started = new Map<string, Extract<WatchFact, { op: 'start' }>>();
    for (const watch of watches) {
      const key = `${watch.deviceId}\u0000${watch.door}`;
      if (watch.op === 'end') {
        ended.set(key, watch);
        started.delete(key);
      } else if (!started.has(key)) started.set(key, watch);
    }
    if (ended.size > 0) {
      const list = [...ended.values()];
      await manager.query(
        `DELETE FROM door_watches w USING unnest($1::varchar[], $2::varchar[]) AS e(device_id, door)
          WHERE w.device_id = e.device_id AND w.door = e.door`,
        [list.map((watch) => watch.deviceId), list.map((watch) => watch.door)],
      );
    }
    if (started.size > 0) {
      const list = [...started.values()];
      await manager.query(
        `INSERT INTO door_watches (device_id, door, resident_id, opened_event_id, opened_at, due_at)
         SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::uuid[], $4::varchar[], $5::timestamptz[], $6::timestamptz[])
         ON CONFLICT DO NOTHING`,
        [
          list.map((watch) => watch.deviceId),
          list.map((watch) => watch.door),
          list.map((watch) => watch.residentId),
          list.map((watch) => watch.openedEventId),
          list.map((watch) => watch.openedAt),
          list.map((watch) => watch.dueAt),
        ],
      );
    }
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
