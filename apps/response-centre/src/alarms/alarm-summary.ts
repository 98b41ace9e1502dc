import type { Dispatch } from '../dispatch/dispatch.entity';
import { toDispatchSummary } from '../dispatch/dispatch-views';
import type { Alarm } from './alarm.entity';
import type { Position } from '../resident-rules/positions.repository';
import type { AlarmSummaryDto, PositionDto } from './dto/alarm.dto';

/** The alarm as the queue and the live stream show it, with its newest dispatch and the resident's last known position. */
export function toAlarmSummary(
  alarm: Alarm,
  dispatch: Dispatch | null,
  lastPosition: Position | null,
  now: Date,
): AlarmSummaryDto {
  return {
    id: alarm.id,
    deviceId: alarm.deviceId,
    triggerType: alarm.triggerType,
    triggerEventId: alarm.triggerEventId,
    priority: alarm.priority,
    state: alarm.state,
    triggeredAt: alarm.triggeredAt.toISOString(),
    openedAt: alarm.openedAt.toISOString(),
    ageSeconds: secondsBetween(alarm.openedAt, now),
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
    lastPosition: lastPosition && toPositionDto(lastPosition, now),
  };
}

export function toPositionDto(position: Position, now: Date): PositionDto {
  return { ...position, at: position.at.toISOString(), ageSeconds: secondsBetween(position.at, now) };
}

/** The distinct residents of the alarms (for their last positions). */
export function residentsOf(alarms: Alarm[]): string[] {
  return [...new Set(alarms.flatMap((alarm) => (alarm.residentId ? [alarm.residentId] : [])))];
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}
