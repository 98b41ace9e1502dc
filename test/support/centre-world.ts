import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { Pool } from 'pg';
import {
  DeviceEventRecord,
  DispatchUpdateRecord,
  DispatchUpdateType,
  encodeDispatchRecord,
  encodeRecord,
  encodeRegistryDeviceRecord,
  encodeRegistryRecord,
  KafkaTopics,
  RegistryHomeCareTeamRecord,
} from '@welfare/contracts';
import { eventually } from './eventually';
import type { RunningService } from './running-services';
import { testInfra, uniqueName } from './test-infra';
import { operatorToken } from './tokens';

/** A centre serving a municipality with a home-care team, and a resident's device, as the registry would publish them. */
export interface Place {
  centreId: string;
  municipalityId: string;
  teamId: string;
  teamName: string;
  residentId: string;
  deviceId: string;
}

export interface Answer<T = any> {
  status: number;
  body: T;
}

/**
 * The world around a response centre under test, on the run's real Kafka and the centre's own
 * database: the registry's records (devices, home-care teams) and device events are produced
 * the way the registry and the ingestor produce them; home care's dispatch updates the way the
 * home-care service will. The database is read directly to see what was stored.
 */
export class CentreWorld {
  private constructor(
    private readonly centre: RunningService,
    readonly producer: Producer,
    readonly db: Pool,
  ) {}

  static async open(centre: RunningService, databaseUrl: string): Promise<CentreWorld> {
    const kafka = new Kafka({
      clientId: uniqueName('centre-world'),
      brokers: [testInfra().kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return new CentreWorld(centre, producer, new Pool({ connectionString: databaseUrl, max: 3 }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.db.end()]);
  }

  async sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query(text, params)).rows as T[];
  }

  async call<T = any>(method: string, path: string, token: string | null, json?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.centre.url}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text,
    };
  }

  /** A new place: its team and device are in the centre's registry view when this returns. */
  async place(options: { centreId?: string; municipalityId?: string } = {}): Promise<Place> {
    const place: Place = {
      centreId: options.centreId ?? randomUUID(),
      municipalityId: options.municipalityId ?? randomUUID(),
      teamId: randomUUID(),
      teamName: `Team ${uniqueName('hc')}`,
      residentId: randomUUID(),
      deviceId: uniqueName('dev'),
    };
    await this.publishTeam({ teamId: place.teamId, municipalityId: place.municipalityId, name: place.teamName });
    await this.producer.send({
      topic: KafkaTopics.registryDevices,
      messages: [
        {
          key: place.deviceId,
          value: encodeRegistryDeviceRecord({
            v: 1,
            deviceId: place.deviceId,
            revision: 1,
            state: 'active',
            kind: 'safety_alarm',
            serialNumber: `SN-${place.deviceId}`,
            residentId: place.residentId,
            homeCareTeamId: place.teamId,
            municipalityId: place.municipalityId,
            responseCentreId: place.centreId,
            heartbeatIntervalSeconds: 86_400,
            credentialsIssuedAt: new Date().toISOString(),
            updatedAt: new Date().toISOString(),
          }),
        },
      ],
    });
    await eventually(async () => {
      const [device] = await this.sql('SELECT 1 FROM registry_devices WHERE device_id = $1', [place.deviceId]);
      const [team] = await this.sql('SELECT 1 FROM registry_home_care_teams WHERE team_id = $1', [place.teamId]);
      if (!device || !team) throw new Error('registry view has not taken the place in yet');
    });
    return place;
  }

  async publishTeam(
    team: Partial<RegistryHomeCareTeamRecord> & { teamId: string; municipalityId: string },
  ): Promise<void> {
    const record: RegistryHomeCareTeamRecord = {
      v: 1,
      revision: 1,
      name: 'Team',
      deleted: false,
      updatedAt: new Date().toISOString(),
      ...team,
    };
    await this.producer.send({
      topic: KafkaTopics.registryHomeCareTeams,
      messages: [{ key: record.teamId, value: encodeRegistryRecord(record) }],
    });
  }

  /**
   * A button press (or another event) from the place's device; returns the alarm it opened, or
   * the unresolved alarm of the same kind it joined (correlation per resident and trigger type).
   */
  async raiseAlarm(
    place: Place,
    type: 'alarm.button' | 'fall.detected' | 'battery.low' = 'alarm.button',
  ): Promise<string> {
    const eventId = uniqueName('evt');
    const extra = type === 'battery.low' ? { battery: 9 } : {};
    const record = {
      v: 1,
      deviceId: place.deviceId,
      receivedAt: new Date().toISOString(),
      event: { id: eventId, type, time: new Date().toISOString(), ...extra },
    } as DeviceEventRecord;
    await this.producer.send({
      topic: KafkaTopics.deviceEvents,
      messages: [{ key: place.deviceId, value: encodeRecord(record) }],
    });
    return eventually(async () => {
      const [row] = await this.sql<{ alarm_id: string | null }>(
        'SELECT alarm_id FROM device_events WHERE device_id = $1 AND event_id = $2',
        [place.deviceId, eventId],
      );
      if (!row?.alarm_id) throw new Error(`event ${eventId} has not opened an alarm yet`);
      return row.alarm_id;
    });
  }

  /** An alarm of the place, taken by an operator of its centre. */
  async takenAlarm(
    place: Place,
    operator = 'op-taker',
    type: 'alarm.button' | 'fall.detected' | 'battery.low' = 'alarm.button',
  ): Promise<string> {
    const alarmId = await this.raiseAlarm(place, type);
    const taken = await this.call(
      'POST',
      `/api/alarms/${alarmId}/acknowledge`,
      await operatorToken(place.centreId, operator),
    );
    if (taken.status !== 200) throw new Error(`acknowledge answered ${taken.status}: ${JSON.stringify(taken.body)}`);
    return alarmId;
  }

  /** What home care would send about a dispatch (key: alarm id); returns the record sent. */
  async homeCareSays(
    dispatch: { id: string; alarmId: string; homeCareTeamId: string },
    type: DispatchUpdateType,
    extra: Partial<DispatchUpdateRecord> = {},
  ): Promise<DispatchUpdateRecord> {
    const record: DispatchUpdateRecord = {
      v: 1,
      type,
      updateId: randomUUID(),
      dispatchId: dispatch.id,
      alarmId: dispatch.alarmId,
      homeCareTeamId: dispatch.homeCareTeamId,
      actor: type === 'dispatch.expired' ? { id: 'home-care', name: null } : { id: 'nurse-nina', name: 'Nina Nurse' },
      at: new Date().toISOString(),
      ...(type === 'dispatch.declined' ? { reason: 'everyone is on another visit' } : {}),
      ...(type === 'dispatch.completed' ? { report: 'Helped the resident up; no injury.' } : {}),
      ...extra,
    };
    await this.sendRaw(KafkaTopics.dispatchUpdates, dispatch.alarmId, encodeDispatchRecord(record));
    return record;
  }

  async sendRaw(topic: string, key: string, value: Buffer | string): Promise<void> {
    await this.producer.send({ topic, messages: [{ key, value }] });
  }

  /** The alarm's handling-log steps, oldest first. */
  async steps(
    alarmId: string,
  ): Promise<{ step: string; actor_kind: string; actor_id: string; details: Record<string, any> }[]> {
    return this.sql(
      'SELECT step, actor_kind, actor_id, details FROM alarm_handling_log WHERE alarm_id = $1 ORDER BY id',
      [alarmId],
    );
  }
}
