import { randomUUID } from 'node:crypto';
import type { DeviceOwnership } from '../registry-view/registry-devices.repository';
import { Alarm } from './alarm.entity';
import type { AlarmKind, AlarmPriority, AlarmTrigger } from './alarm-rules';

export interface NewAlarm {
  deviceId: string;
  triggerEventId: string;
  triggerType: AlarmTrigger;
  priority: AlarmPriority;
  kind: AlarmKind;
  correlationKey: string;
  triggeredAt: Date;
  openedAt: Date;
  escalateAt: Date;
  owner: DeviceOwnership | null;
}

/** The row of a freshly opened alarm: open, not repeated, not escalated, stamped with its owner. */
export function newAlarm(input: NewAlarm): Alarm {
  return {
    id: randomUUID(),
    deviceId: input.deviceId,
    triggerEventId: input.triggerEventId,
    triggerType: input.triggerType,
    priority: input.priority,
    kind: input.kind,
    correlationKey: input.correlationKey,
    state: 'open',
    triggeredAt: input.triggeredAt,
    lastTriggeredAt: input.triggeredAt,
    openedAt: input.openedAt,
    repeatCount: 0,
    cancelledAtDeviceAt: null,
    escalationLevel: 0,
    escalateAt: input.escalateAt,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    outcome: null,
    updatedAt: input.openedAt,
    residentId: input.owner?.residentId ?? null,
    municipalityId: input.owner?.municipalityId ?? null,
    responseCentreId: input.owner?.responseCentreId ?? null,
  };
}
