import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Clock, crashPoint, InjectMetric } from '@welfare/platform';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { deviceTimeInstant } from '@welfare/contracts';
import type { DeviceEventRecord, DeviceEventType } from '@welfare/contracts';
import { AlarmKind, AlarmPriority, correlationKey, mayOpenAlarm } from '../alarms/alarm-rules';
import { AlarmOpeningService } from '../alarms/alarm-opening.service';
import { DoorRulesService } from '../resident-rules/door-rules.service';
import { PositionRulesService } from '../resident-rules/position-rules.service';
import { PositionsRepository } from '../resident-rules/positions.repository';
import { IntakeResult, openedOrRepeated } from './intake-result';
import { DeviceSupervisionRepository } from '../supervision/device-supervision.repository';
import { SUPERVISION_SETTINGS } from '../supervision/supervision.service';
import type { SupervisionSettings } from '../supervision/supervision.service';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { DeviceCommandOutbox } from '../outbox/device-command-outbox';
import { OutboxRelayService } from '@welfare/persistence';
import { DeviceEventsRepository, eventKey } from '../device-events/device-events.repository';
import type { DeviceOwnership } from '../registry-view/registry-devices.repository';
import { RegistryMemoryView } from '../registry-view/registry-memory-view';
import { decide, EnrichedEvent, EventOutcome } from './event-decisions';
import { TrailHousekeeping } from './trail-housekeeping';

/** Which lane a batch came on: the alarm lane's transactions must not wait for telemetry's. */
export type IntakeLane = 'alarm' | 'telemetry';

/** One event of a batch, as the batch's set-based statements left it. */
interface Staged {
  record: DeviceEventRecord;
  /** The new history row, or null for a resend or redelivery. */
  rowId: string | null;
  enriched: EnrichedEvent;
  outcome: EventOutcome | null;
}

/** What the batch has done so far, for the events after it. */
interface BatchSoFar {
  /** Residents (or devices) with an unresolved door alarm, from before the batch or opened in it. */
  doorAlarms: Set<string>;
  /** The alarm each new event went to (null: none), by eventKey. */
  alarmOfEvent: Map<string, string | null>;
}

/**
 * Turns a batch of device events (one partition's, in order) into stored facts, in one
 * transaction, shaped after the data:
 * 1. every event on the device's history in one statement, which is also the de-duplication gate;
 * 2. every device heard from in one statement (supervision);
 * 3. each event enriched from the registry's view in memory and judged by the rules, a pure
 *    function (event-decisions.ts);
 * 4. the positions and door watches of the batch in one statement each;
 * 5. only what touches an alarm (open or attach, cancel, clear, door and zone alarms, a door
 *    closed on a door alarm, a resend of an alarm's event) is done event by event, in order.
 * A heartbeat costs its share of the batch's statements and nothing more.
 */
@Injectable()
export class DeviceEventIntakeService {
  private readonly logger = new Logger(DeviceEventIntakeService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: DeviceEventsRepository,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly outbox: DeviceCommandOutbox,
    private readonly relay: OutboxRelayService,
    private readonly registry: RegistryMemoryView,
    private readonly opening: AlarmOpeningService,
    private readonly doors: DoorRulesService,
    private readonly positionRules: PositionRulesService,
    private readonly positions: PositionsRepository,
    private readonly trails: TrailHousekeeping,
    private readonly supervision: DeviceSupervisionRepository,
    @Inject(SUPERVISION_SETTINGS) private readonly supervisionSettings: SupervisionSettings,
    private readonly clock: Clock,
    @InjectMetric('device_events_stored_total') private readonly stored: Counter<'type' | 'outcome'>,
  ) {}

  /** One event (a batch of one). */
  async intake(record: DeviceEventRecord): Promise<IntakeResult> {
    return (await this.intakeBatch([record]))[0];
  }

  /**
   * A batch of events in one transaction; the results are in the batch's order. The alarm lane
   * never waits for a lock a telemetry batch holds (see heardFrom).
   */
  async intakeBatch(records: DeviceEventRecord[], lane: IntakeLane = 'telemetry'): Promise<IntakeResult[]> {
    if (records.length === 0) return [];
    const results = await this.dataSource.transaction((manager) => this.store(manager, records, lane));
    // Stored, offsets not yet committed: the records come again and must change nothing.
    crashPoint('intake.after-commit');
    this.report(records, results);
    return results;
  }

  private report(records: DeviceEventRecord[], results: IntakeResult[]): void {
    let touchedAlarm = false;
    results.forEach((result, i) => {
      const { deviceId, event } = records[i];
      this.stored.inc({ type: event.type, outcome: result.outcome });
      if (result.outcome !== 'stored') touchedAlarm = true;
      if (result.outcome === 'alarm_opened' || result.outcome === 'alarm_repeated') {
        this.logger.log(
          { alarmId: result.alarmId, deviceId, eventId: event.id, type: event.type },
          result.outcome === 'alarm_opened' ? 'alarm opened' : 'repeat attached to alarm',
        );
      }
    });
    if (touchedAlarm) void this.relay.drain();
  }

  private async store(manager: EntityManager, records: DeviceEventRecord[], lane: IntakeLane): Promise<IntakeResult[]> {
    const now = this.clock.now();
    const staged = await this.stage(manager, records, now);
    const fresh = staged.filter((item) => item.rowId !== null);
    await this.heardFrom(manager, fresh, now, lane === 'alarm');
    await this.judge(manager, fresh);
    await this.positions.appendMany(
      manager,
      fresh.flatMap((item) => (item.outcome?.position ? [item.outcome.position] : [])),
    );
    this.trails.grew(fresh.flatMap((item) => (item.outcome?.position ? [item.record.deviceId] : [])));
    await this.doors.applyWatches(
      manager,
      fresh.flatMap((item) => (item.outcome?.watch ? [item.outcome.watch] : [])),
    );
    const doorAlarms = await this.unresolvedDoorAlarms(manager, fresh);
    const redeliveredAlarms = await this.alarmsOfRedelivered(manager, staged);
    const results: IntakeResult[] = [];
    // The alarm each new event of the batch went to: its history row is linked once, after the
    // loop (one statement), so a later event of the batch (a resend, a cancellation) asks here.
    const alarmOfEvent = new Map<string, string | null>();
    const links: { rowId: string; alarmId: string }[] = [];
    for (const item of staged) {
      const key = eventKey(item.record.deviceId, item.record.event.id);
      const result =
        item.rowId === null
          ? await this.redelivered(
              manager,
              item.record,
              alarmOfEvent.get(key) ?? redeliveredAlarms.get(key) ?? null,
              now,
            )
          : await this.apply(manager, item, { doorAlarms, alarmOfEvent }, now);
      if (item.rowId !== null && 'alarmId' in result && result.alarmId) {
        links.push({ rowId: item.rowId, alarmId: result.alarmId });
      }
      if (item.rowId !== null) alarmOfEvent.set(key, 'alarmId' in result ? result.alarmId : null);
      if (result.outcome === 'alarm_opened' && item.outcome?.decision.kind === 'door_alarm') {
        doorAlarms.add(item.enriched.owner?.residentId ?? item.record.deviceId);
      }
      results.push(result);
    }
    await this.events.linkAlarms(manager, links);
    return results;
  }

  /** Every event on the history in one statement; the first of a (device, event) pair is the new one. */
  private async stage(manager: EntityManager, records: DeviceEventRecord[], now: Date): Promise<Staged[]> {
    const inserted = await this.events.insertManyIfNew(manager, records, now);
    return records.map((record) => {
      const key = eventKey(record.deviceId, record.event.id);
      const rowId = inserted.get(key) ?? null;
      inserted.delete(key);
      const owner = this.registry.ownership(record.deviceId);
      const enriched = { record, owner, rules: this.registry.rulesFor(owner?.residentId ?? null) };
      return { record, rowId, enriched, outcome: null };
    });
  }

  /** The rules, in order: a position is judged against the device's previous one, also within the batch. */
  private async judge(manager: EntityManager, fresh: Staged[]): Promise<void> {
    const zoned = fresh.filter(
      (item) => item.record.event.type === 'gps.position' && (item.enriched.rules?.safeZones.length ?? 0) > 0,
    );
    const previous = await this.positions.previousInsideOf(manager, [
      ...new Set(zoned.map((item) => item.record.deviceId)),
    ]);
    for (const item of fresh) {
      item.outcome = decide(item.enriched, previous.get(item.record.deviceId) ?? null);
      if (item.outcome.position) previous.set(item.record.deviceId, item.outcome.position.insideSafeZone);
    }
  }

  /**
   * Any event means the device is alive: its silence deadline moves on (one statement for the
   * batch), and a "device silent" alarm of its own closes. The alarm lane skips a device whose
   * supervision row a telemetry batch holds (locked early in that batch's transaction, until it
   * commits): that batch records it heard at about the same moment.
   */
  private async heardFrom(manager: EntityManager, fresh: Staged[], now: Date, skipLocked: boolean): Promise<void> {
    const silenced = await this.supervision.heardMany(
      manager,
      fresh.map((item) => item.record.deviceId),
      now,
      this.supervisionSettings.graceSeconds,
      skipLocked,
    );
    for (const [deviceId, silentAlarmId] of silenced) {
      const record = fresh.find((item) => item.record.deviceId === deviceId)!.record;
      const alarm = await this.alarms.findUnresolvedByKey(
        manager,
        correlationKey('technical', 'device.silent', deviceId, null),
      );
      if (alarm?.id !== silentAlarmId) continue; // linked to the fleet alarm, or already closed
      await this.closeByDevice(manager, alarm.id, record, now, { reason: 'heard again' });
    }
  }

  /**
   * The residents (or devices) of the batch's `door.closed` events with an unresolved door alarm,
   * found in one query; a door alarm opened earlier in the batch is added as it opens.
   */
  private async unresolvedDoorAlarms(manager: EntityManager, fresh: Staged[]): Promise<Set<string>> {
    const closed = fresh.filter((item) => item.outcome?.decision.kind === 'door_closed');
    const subjects = new Map<string, string>();
    for (const item of closed) {
      const subject = item.enriched.owner?.residentId ?? item.record.deviceId;
      for (const key of DoorRulesService.closedAlarmKeys(item.record.deviceId, item.enriched.owner?.residentId ?? null))
        subjects.set(key, subject);
    }
    const keys = await this.alarms.unresolvedKeys(manager, [...subjects.keys()]);
    return new Set(keys.map((key) => subjects.get(key)!));
  }

  /** For resends of events that may have opened an alarm: the alarm, from the history in one query. */
  private async alarmsOfRedelivered(manager: EntityManager, staged: Staged[]): Promise<Map<string, string>> {
    const keys = staged
      .filter((item) => item.rowId === null && mayOpenAlarm(item.record.event.type))
      .map((item) => ({ deviceId: item.record.deviceId, eventId: item.record.event.id }));
    return this.events.alarmsOf(manager, keys);
  }

  private async apply(manager: EntityManager, item: Staged, batch: BatchSoFar, now: Date): Promise<IntakeResult> {
    const { record, enriched } = item;
    const { doorAlarms } = batch;
    const decision = item.outcome!.decision;
    switch (decision.kind) {
      case 'keep':
        return { outcome: 'stored' };
      case 'open':
        return this.openOrAttach(manager, record, enriched.owner, decision.priority, decision.alarmKind, now);
      case 'cancel':
        return this.cancelAtDevice(manager, record, decision.ref, batch.alarmOfEvent, now);
      case 'clear':
        return this.clearByDevice(manager, record, decision.clears, now);
      case 'door_alarm':
        return this.doors.openNightAlarm(manager, record, enriched.owner, decision.nightWindow, now);
      case 'door_closed':
        if (!doorAlarms.has(enriched.owner?.residentId ?? record.deviceId)) return { outcome: 'stored' };
        return this.doors.logClosed(manager, record, enriched.owner, now);
      case 'left_zone':
        return this.positionRules.leftZone(manager, record, enriched.owner, decision.zones, now);
      case 'returned':
        return this.positionRules.returned(manager, record, enriched.owner, decision.zones, now);
    }
  }

  /**
   * A new alarm, unless the resident (or, for a technical alarm, the device) already has an
   * unresolved one of this kind: then the event is attached to it as a repeat.
   */
  private async openOrAttach(
    manager: EntityManager,
    record: DeviceEventRecord,
    owner: DeviceOwnership | null,
    priority: AlarmPriority,
    kind: AlarmKind,
    now: Date,
  ): Promise<IntakeResult> {
    const { deviceId, event } = record;
    // An alarm from a device the registry has not (yet) told us about still opens: it is stamped later or by hand, never dropped.
    if (!owner) this.logger.warn({ deviceId, eventId: event.id }, 'alarm from a device the registry does not know');
    const details = { eventId: event.id, type: event.type, deviceTime: event.time, receivedAt: record.receivedAt };
    const cause = {
      deviceId,
      triggerEventId: event.id,
      triggerType: event.type,
      priority,
      kind,
      triggeredAt: deviceTimeInstant(event.time),
      owner,
      details,
      fromDeviceEvent: true,
    };
    return openedOrRepeated(await this.opening.openOrAttach(manager, cause, now));
  }

  /** `alarm.cancelled`: logged on the alarm of the event it names, which is marked; an operator still closes it. */
  private async cancelAtDevice(
    manager: EntityManager,
    record: DeviceEventRecord,
    ref: string,
    alarmOfEvent: Map<string, string | null>,
    now: Date,
  ): Promise<IntakeResult> {
    const key = eventKey(record.deviceId, ref);
    const alarmId = alarmOfEvent.has(key)
      ? alarmOfEvent.get(key)
      : (await this.events.findOne(record.deviceId, ref, manager))?.alarmId;
    if (!alarmId) {
      this.logger.warn(
        { deviceId: record.deviceId, eventId: record.event.id, ref },
        'cancellation of an event that opened no alarm; kept on the history',
      );
      return { outcome: 'stored' };
    }
    await this.alarms.markCancelledAtDevice(manager, alarmId, now);
    await this.log.append(manager, {
      alarmId,
      step: 'cancelled_at_device',
      at: now,
      actorKind: 'device',
      actorId: record.deviceId,
      details: { eventId: record.event.id, ref, deviceTime: record.event.time },
    });
    return { outcome: 'logged_on_alarm', alarmId };
  }

  /** `power.restored`: logged on the device's unresolved power alarm, which it closes. */
  private async clearByDevice(
    manager: EntityManager,
    record: DeviceEventRecord,
    clears: DeviceEventType,
    now: Date,
  ): Promise<IntakeResult> {
    const alarm = await this.alarms.findUnresolvedByKey(
      manager,
      correlationKey('technical', clears, record.deviceId, null),
    );
    if (!alarm) return { outcome: 'stored' };
    await this.closeByDevice(manager, alarm.id, record, now);
    return { outcome: 'logged_on_alarm', alarmId: alarm.id };
  }

  /** The device itself reports the cause gone: the alarm is resolved by it, and the event logged on it. */
  private async closeByDevice(
    manager: EntityManager,
    alarmId: string,
    record: DeviceEventRecord,
    now: Date,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.alarms.clearByDevice(manager, alarmId, record.deviceId, now);
    await this.log.append(manager, {
      alarmId,
      step: 'cleared_by_device',
      at: now,
      actorKind: 'device',
      actorId: record.deviceId,
      details: { eventId: record.event.id, type: record.event.type, deviceTime: record.event.time, ...extra },
    });
  }

  /** A second delivery changes nothing but re-sends `alarm.received`: a device that resends may not have heard the first. */
  private async redelivered(
    manager: EntityManager,
    record: DeviceEventRecord,
    alarmId: string | null,
    now: Date,
  ): Promise<IntakeResult> {
    if (alarmId && mayOpenAlarm(record.event.type)) {
      await this.outbox.enqueue(
        manager,
        record.deviceId,
        { type: 'alarm.received', ref: record.event.id, alarmId },
        now,
      );
    }
    return { outcome: 'duplicate', alarmId };
  }
}
