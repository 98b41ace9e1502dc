import type { Dispatch } from '../dispatch/dispatch.entity';
import { toDispatchSummary } from '../dispatch/dispatch-views';
import type { Alarm } from './alarm.entity';
import type { AlarmSummaryDto } from './dto/alarm.dto';

/** The alarm as the queue and the live stream show it, with its newest dispatch. */
export function toAlarmSummary(alarm: Alarm, dispatch: Dispatch | null, now: Date): AlarmSummaryDto {
  return {
    id: alarm.id,
    deviceId: alarm.deviceId,
    triggerType: alarm.triggerType,
    triggerEventId: alarm.triggerEventId,
    priority: alarm.priority,
    state: alarm.state,
    triggeredAt: alarm.triggeredAt.toISOString(),
    openedAt: alarm.openedAt.toISOString(),
    ageSeconds: Math.max(0, Math.floor((now.getTime() - alarm.openedAt.getTime()) / 1000)),
    acknowledgedBy: alarm.acknowledgedBy,
    acknowledgedAt: alarm.acknowledgedAt?.toISOString() ?? null,
    residentId: alarm.residentId,
    municipalityId: alarm.municipalityId,
    responseCentreId: alarm.responseCentreId,
    kind: alarm.kind,
    repeatCount: alarm.repeatCount,
    lastTriggeredAt: alarm.lastTriggeredAt.toISOString(),
    cancelledAtDeviceAt: alarm.cancelledAtDeviceAt?.toISOString() ?? null,
    escalationLevel: alarm.escalationLevel,
    updatedAt: alarm.updatedAt.toISOString(),
    dispatch: dispatch ? toDispatchSummary(dispatch) : null,
  };
}
