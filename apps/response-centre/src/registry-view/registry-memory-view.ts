import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  decodeRegistryDeviceRecord,
  decodeRegistryMunicipalityRecord,
  decodeRegistryResidentRecord,
  effectiveAlarmRules,
  KafkaTopics,
} from '@welfare/contracts';
import type {
  EffectiveAlarmRules,
  MunicipalityAlarmRuleDefaults,
  RegistryDeviceRecord,
  RegistryMunicipalityRecord,
  RegistryResidentRecord,
  ResidentAlarmRules,
} from '@welfare/contracts';
import { ConsumedRecord, KafkaConsumersService, ManagedConsumer } from '@welfare/kafka';
import { ResponseCentreConfig } from '../response-centre.config';
import type { DeviceOwnership } from './registry-devices.repository';

interface DeviceEntry {
  revision: number;
  ownership: DeviceOwnership;
}

interface ResidentEntry {
  revision: number;
  municipalityId: string;
  alarmRules: ResidentAlarmRules;
  deleted: boolean;
}

interface MunicipalityEntry {
  revision: number;
  defaults: MunicipalityAlarmRuleDefaults | null;
  deleted: boolean;
}

/**
 * The registry's devices, residents and municipalities in memory, so the intake enriches a batch
 * of events with no query per event. Loaded from the local tables at start-up (ready()), then kept current
 * two ways, both keeping the highest revision: the consumers that write those tables apply each
 * record here first (so whatever the tables show, this view has too), and a follower of its own
 * (a consumer group per instance) reads the compacted topics whole, so a second instance also
 * learns of the records its sibling's consumers took.
 */
@Injectable()
export class RegistryMemoryView implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RegistryMemoryView.name);
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly residents = new Map<string, ResidentEntry>();
  private readonly municipalities = new Map<string, MunicipalityEntry>();
  private follower: ManagedConsumer | null = null;
  private loaded: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consumers: KafkaConsumersService,
    private readonly config: ResponseCentreConfig,
  ) {}

  /** Resolves once the tables are loaded (after the migrations ran): the intake waits for it before it starts. */
  ready(): Promise<void> {
    this.loaded ??= this.load().then(() =>
      this.logger.log(
        { devices: this.devices.size, residents: this.residents.size, municipalities: this.municipalities.size },
        'registry view loaded into memory',
      ),
    );
    return this.loaded;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ready();
    this.follower = this.consumers.create({
      groupId: `${this.config.KAFKA_CONSUMER_GROUP}.registry-memory.${randomUUID()}`,
      topics: [KafkaTopics.registryDevices, KafkaTopics.registryResidents, KafkaTopics.registryMunicipalities],
      handle: async (record) => this.follow(record),
      // Nothing here can fail for long: a record the decoder refuses is the table consumers' to dead-letter.
      isTransient: () => false,
      maxAttempts: 1,
    });
    await this.follower.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.follower?.stop();
  }

  /** Null when the registry has not told us about the device (yet). */
  ownership(deviceId: string): DeviceOwnership | null {
    return this.devices.get(deviceId)?.ownership ?? null;
  }

  /** The rules that apply to the resident now; null when the registry has not told us about them. */
  rulesFor(residentId: string | null): EffectiveAlarmRules | null {
    const resident = residentId ? this.residents.get(residentId) : undefined;
    if (!resident || resident.deleted) return null;
    const municipality = this.municipalities.get(resident.municipalityId);
    const defaults = municipality && !municipality.deleted ? municipality.defaults : null;
    return effectiveAlarmRules(resident.alarmRules, defaults);
  }

  applyDevice(record: RegistryDeviceRecord): void {
    const { residentId, municipalityId, responseCentreId } = record;
    keepNewer(this.devices, record.deviceId, {
      revision: record.revision,
      ownership: { residentId, municipalityId, responseCentreId },
    });
  }

  applyResident(record: RegistryResidentRecord): void {
    const { revision, municipalityId, alarmRules, deleted } = record;
    keepNewer(this.residents, record.residentId, { revision, municipalityId, alarmRules, deleted });
  }

  applyMunicipality(record: RegistryMunicipalityRecord): void {
    const { revision, alarmRuleDefaults, deleted } = record;
    keepNewer(this.municipalities, record.municipalityId, { revision, defaults: alarmRuleDefaults, deleted });
  }

  private follow(record: ConsumedRecord): void {
    const value = record.message.value;
    if (record.topic === KafkaTopics.registryDevices) {
      const decoded = decodeRegistryDeviceRecord(value);
      if (!('reason' in decoded)) this.applyDevice(decoded);
    } else if (record.topic === KafkaTopics.registryResidents) {
      const decoded = decodeRegistryResidentRecord(value);
      if (!('reason' in decoded)) this.applyResident(decoded);
    } else if (record.topic === KafkaTopics.registryMunicipalities) {
      const decoded = decodeRegistryMunicipalityRecord(value);
      if (!('reason' in decoded)) this.applyMunicipality(decoded);
    }
  }

  private async load(): Promise<void> {
    const devices: {
      device_id: string;
      revision: string;
      resident_id: string | null;
      municipality_id: string | null;
      response_centre_id: string | null;
    }[] = await this.dataSource.query(
      `SELECT device_id, revision, resident_id, municipality_id, response_centre_id FROM registry_devices`,
    );
    for (const row of devices) {
      const ownership = {
        residentId: row.resident_id,
        municipalityId: row.municipality_id,
        responseCentreId: row.response_centre_id,
      };
      keepNewer(this.devices, row.device_id, { revision: Number(row.revision), ownership });
    }
    const residents: {
      resident_id: string;
      revision: string;
      municipality_id: string;
      alarm_rules: ResidentAlarmRules;
      deleted: boolean;
    }[] = await this.dataSource.query(
      `SELECT resident_id, revision, municipality_id, alarm_rules, deleted FROM registry_residents`,
    );
    for (const row of residents) {
      keepNewer(this.residents, row.resident_id, {
        revision: Number(row.revision),
        municipalityId: row.municipality_id,
        alarmRules: row.alarm_rules,
        deleted: row.deleted,
      });
    }
    const municipalities: {
      municipality_id: string;
      revision: string;
      alarm_rule_defaults: MunicipalityAlarmRuleDefaults | null;
      deleted: boolean;
    }[] = await this.dataSource.query(
      `SELECT municipality_id, revision, alarm_rule_defaults, deleted FROM registry_municipalities`,
    );
    for (const row of municipalities) {
      keepNewer(this.municipalities, row.municipality_id, {
        revision: Number(row.revision),
        defaults: row.alarm_rule_defaults,
        deleted: row.deleted,
      });
    }
  }
}

/** Keeps the entry unless one of the same or a higher revision is already there (the table, the consumers and the follower all feed the view). */
function keepNewer<T extends { revision: number }>(map: Map<string, T>, id: string, entry: T): void {
  if ((map.get(id)?.revision ?? -1) >= entry.revision) return;
  map.set(id, entry);
}
