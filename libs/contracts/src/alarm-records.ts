/**
 * What the response centre tells others about its alarms (KafkaTopics.alarmEvents, keyed by
 * alarm id): for now escalations, which supervisors must hear of. Consumers (a supervisor's
 * pager, the live console of issue 5) read it; the handling log stays the record of truth.
 */
export interface AlarmEscalatedRecord {
  v: 1;
  type: 'alarm.escalated';
  alarmId: string;
  /** 1 at the first escalation, rising each time the limit passes again unacknowledged. */
  escalationLevel: number;
  priority: number;
  triggerType: string;
  deviceId: string;
  residentId: string | null;
  municipalityId: string | null;
  responseCentreId: string | null;
  openedAt: string;
  escalatedAt: string;
}

export type AlarmEventRecord = AlarmEscalatedRecord;

export function encodeAlarmEventRecord(record: AlarmEventRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}
