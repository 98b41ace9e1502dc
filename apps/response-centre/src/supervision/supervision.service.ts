import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Interval } from '@nestjs/schedule';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, InjectMetric, PeriodicSweep } from '@welfare/platform';
import { correlationKey, FLEET_SILENT_KEY } from '../alarms/alarm-rules';
import { AlarmsRepository } from '../alarms/alarms.repository';
import { newAlarm } from '../alarms/new-alarm';
import { EscalationPolicy } from '../escalation/escalation-policy';
import { HandlingLogRepository } from '../handling-log/handling-log.repository';
import { RegistryDevicesRepository } from '../registry-view/registry-devices.repository';
import { DeviceSupervisionRepository, SilentDevice } from './device-supervision.repository';

export const SUPERVISION_SETTINGS = Symbol('SUPERVISION_SETTINGS');

export interface SupervisionSettings {
  /** Seconds past a device's heartbeat interval before it counts as silent. */
  graceSeconds: number;
  /** At least this share of the supervised devices silent at once is one system alarm, not one each. */
  fleetFraction: number;
  /** ...and at least this many. */
  fleetMinDevices: number;
}

const BATCH = 5000;

/**
 * Heartbeat supervision. A device silent past its interval and grace gets a technical alarm
 * ("device silent", priority 3), closed by itself when the device is heard again (the intake
 * does that). When a large share of the fleet falls silent at once, the cause is on our side
 * (Kafka, the broker, this service): one system alarm (priority 1) is raised instead of one per
 * device, and the silent devices are linked to it. State is in the database, so it survives
 * restarts; SKIP LOCKED makes two instances share the work without doubling it.
 */
@Injectable()
export class SupervisionService {
  private readonly logger = new Logger(SupervisionService.name);
  private readonly periodicSweep = new PeriodicSweep(this.logger, 'supervision sweep');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly supervision: DeviceSupervisionRepository,
    private readonly registry: RegistryDevicesRepository,
    private readonly alarms: AlarmsRepository,
    private readonly log: HandlingLogRepository,
    private readonly escalation: EscalationPolicy,
    private readonly clock: Clock,
    @Inject(SUPERVISION_SETTINGS) private readonly settings: SupervisionSettings,
    @InjectMetric('devices_silent_total') private readonly silent: Counter<'outcome'>,
  ) {}

  /** Every 5 s, one check at a time per instance; a failed check is logged and the next one tries again. */
  @Interval('supervision-sweep', 5000)
  check(): Promise<number> {
    return this.periodicSweep.run(() => this.raiseSilent(this.clock.now()));
  }

  /** Alarms for every device silent at `now` (tests pass a time of their choosing); returns how many devices. */
  async raiseSilent(now: Date): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const silent = await this.supervision.lockNewlySilent(manager, now, BATCH);
      if (silent.length === 0) return 0;
      const supervised = await this.supervision.countSupervised(manager);
      if (silent.length >= this.settings.fleetMinDevices && silent.length >= supervised * this.settings.fleetFraction) {
        await this.fleetSilent(manager, silent, supervised, now);
      } else {
        for (const device of silent) await this.deviceSilent(manager, device, now);
      }
      return silent.length;
    });
  }

  private async deviceSilent(manager: EntityManager, device: SilentDevice, now: Date): Promise<void> {
    const owner = await this.registry.ownership(manager, device.deviceId);
    const alarm = newAlarm({
      deviceId: device.deviceId,
      triggerEventId: `silent-since:${device.lastHeardAt.toISOString()}`,
      triggerType: 'device.silent',
      priority: 3,
      kind: 'technical',
      correlationKey: correlationKey('technical', 'device.silent', device.deviceId, null),
      triggeredAt: now,
      openedAt: now,
      escalateAt: this.escalation.firstDueAt(3, now),
      owner,
    });
    const {
      alarm: { id: alarmId },
      opened,
    } = await this.alarms.openUnlessCorrelated(manager, alarm);
    if (opened) {
      await this.log.append(manager, {
        alarmId,
        step: 'received',
        at: now,
        actorKind: 'system',
        actorId: 'supervision',
        details: { lastHeardAt: device.lastHeardAt.toISOString() },
      });
    }
    await this.supervision.linkAlarm(manager, [device.deviceId], alarmId);
    this.silent.inc({ outcome: 'device_alarm' });
    this.logger.warn({ deviceId: device.deviceId, lastHeardAt: device.lastHeardAt, alarmId }, 'device silent');
  }

  private async fleetSilent(
    manager: EntityManager,
    silent: SilentDevice[],
    supervised: number,
    now: Date,
  ): Promise<void> {
    const alarm = newAlarm({
      deviceId: 'system',
      triggerEventId: `fleet-silent:${now.toISOString()}`,
      triggerType: 'system.fleet_silent',
      priority: 1,
      kind: 'system',
      correlationKey: FLEET_SILENT_KEY,
      triggeredAt: now,
      openedAt: now,
      escalateAt: this.escalation.firstDueAt(1, now),
      owner: null,
    });
    const {
      alarm: { id: alarmId },
      opened,
    } = await this.alarms.openUnlessCorrelated(manager, alarm);
    const details = {
      silentDevices: silent.length,
      supervisedDevices: supervised,
      examples: silent.slice(0, 10).map((device) => device.deviceId),
    };
    await this.log.append(manager, {
      alarmId,
      step: opened ? 'received' : 'repeated',
      at: now,
      actorKind: 'system',
      actorId: 'supervision',
      details,
    });
    await this.supervision.linkAlarm(
      manager,
      silent.map((device) => device.deviceId),
      alarmId,
    );
    this.silent.inc({ outcome: 'fleet_alarm' }, silent.length);
    this.logger.error(
      { alarmId, ...details },
      'many devices silent at once: one system alarm instead of one per device (is Kafka, the MQTT broker or the ingestor down?)',
    );
  }
}
