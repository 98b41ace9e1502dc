import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALARM_TRIGGERS, DEVICE_EVENT_TYPES } from '@welfare/contracts';
import type { EffectiveAlarmRules } from '@welfare/contracts';
import { DispatchDto, DispatchSummaryDto, HomeCareTeamDto } from '../../dispatch/dto/dispatch.dto';
import { ACTOR_KINDS, HANDLING_STEPS } from '../../handling-log/handling-log-entry.entity';
import { ALARM_OUTCOMES, ALARM_STATES } from '../alarm-state';

export class PositionDto {
  @ApiProperty() deviceId: string;
  @ApiProperty() lat: number;
  @ApiProperty() lon: number;
  @ApiProperty({ nullable: true, type: Number, description: 'metres, as the tracker reported' }) accuracyMeters:
    number | null;
  @ApiProperty({ format: 'date-time', description: 'When the tracker took it (device time)' }) at: string;
  @ApiProperty({ description: 'Seconds since it was taken, at the time of the answer' }) ageSeconds: number;
  @ApiProperty({ nullable: true, type: Boolean, description: 'null: the resident had no safe zones then' })
  insideSafeZone: boolean | null;
}

export class ContactDto {
  @ApiProperty() name: string;
  @ApiProperty() phone: string;
  @ApiPropertyOptional() relation?: string;
}

/** What the registry says of the resident, for the operator: who, where, how to get in, whom to call. */
export class ResidentDetailsDto {
  @ApiProperty({ format: 'uuid' }) residentId: string;
  @ApiProperty() name: string;
  @ApiProperty() address: string;
  @ApiProperty({ nullable: true, type: String }) keyBox: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'A hint, never the code' }) doorCodeHint: string | null;
  @ApiProperty({ nullable: true, type: String }) accessNote: string | null;
  @ApiProperty({ type: [ContactDto], description: 'In call order' }) contacts: ContactDto[];
  @ApiProperty({ nullable: true, type: String }) careNote: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) homeCareTeamId: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The alarm rules that apply to them now: doorNightWindow, doorOpenLimitMinutes, safeZones',
  })
  alarmRules: EffectiveAlarmRules;
}

export class RecentEventDto {
  @ApiProperty() eventId: string;
  @ApiProperty({ enum: DEVICE_EVENT_TYPES }) type: string;
  @ApiProperty({ format: 'date-time', description: 'Device time' }) occurredAt: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event as the device sent it' })
  payload: Record<string, unknown>;
}

export class AlarmSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() deviceId: string;
  @ApiProperty({
    enum: ALARM_TRIGGERS,
    description: 'The device event type that opened the alarm, or what the centre noticed over time',
  })
  triggerType: string;
  @ApiProperty({ description: 'The device event id that opened the alarm' }) triggerEventId: string;
  @ApiProperty({ enum: [1, 2, 3], description: '1 is most urgent' }) priority: number;
  @ApiProperty({ enum: ALARM_STATES }) state: string;
  @ApiProperty({ format: 'date-time', description: 'When it happened, by the device clock' }) triggeredAt: string;
  @ApiProperty({ format: 'date-time', description: 'When the response centre stored it' }) openedAt: string;
  @ApiProperty({ description: 'Seconds since openedAt at the time of the answer' }) ageSeconds: number;
  @ApiProperty({ nullable: true, type: String }) acknowledgedBy: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acknowledgedAt: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description:
      'The resident, as the registry had the device when the alarm opened; null if it did not know the device',
  })
  residentId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) municipalityId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) responseCentreId: string | null;
  @ApiProperty({
    enum: ['care', 'technical', 'system'],
    description: 'care: help the person; technical: fix the device; system: the service itself',
  })
  kind: string;
  @ApiProperty({ description: 'Repeats attached (the button pressed again, a second fall)' }) repeatCount: number;
  @ApiProperty({ format: 'date-time', description: 'The newest trigger or repeat, by the device clock' })
  lastTriggeredAt: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the resident cancelled it at the device (an operator still closes it)',
  })
  cancelledAtDeviceAt: string | null;
  @ApiProperty({
    description:
      '0, or how many times it escalated: waiting unacknowledged, or its dispatch declined, expired or unanswered',
  })
  escalationLevel: number;
  @ApiProperty({
    format: 'date-time',
    description: 'When the alarm or its dispatch last changed (a newer summary replaces an older one)',
  })
  updatedAt: string;
  @ApiProperty({
    type: DispatchSummaryDto,
    nullable: true,
    description: 'The newest dispatch to home care, whatever its status; null if none',
  })
  dispatch: DispatchSummaryDto | null;
  @ApiProperty({
    type: PositionDto,
    nullable: true,
    description: "The resident's last known GPS position (any of their trackers) and its age",
  })
  lastPosition: PositionDto | null;
}

export class HandlingLogEntryDto {
  @ApiProperty({ description: 'Increasing; orders the steps' }) id: string;
  @ApiProperty({ enum: HANDLING_STEPS }) step: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ACTOR_KINDS }) actorKind: string;
  @ApiProperty() actorId: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

export class AlarmDetailDto extends AlarmSummaryDto {
  @ApiProperty({ nullable: true, type: String }) resolvedBy: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) resolvedAt: string | null;
  @ApiProperty({ nullable: true, enum: ALARM_OUTCOMES }) outcome: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The device event that opened the alarm, as sent',
  })
  triggerEvent: Record<string, unknown> | null;
  @ApiProperty({ type: [HandlingLogEntryDto], description: 'Every handling step, oldest first' })
  log: HandlingLogEntryDto[];
  @ApiProperty({
    type: ResidentDetailsDto,
    nullable: true,
    description: 'Null when the registry has not told the centre about the resident',
  })
  resident: ResidentDetailsDto | null;
  @ApiProperty({ type: [RecentEventDto], description: "The device's newest events, newest first" })
  recentEvents: RecentEventDto[];
  @ApiProperty({ type: [PositionDto], description: "The resident's newest positions, newest first" })
  trail: PositionDto[];
  @ApiProperty({ type: [DispatchDto], description: 'Every dispatch to home care, oldest first' })
  dispatches: DispatchDto[];
  @ApiProperty({
    type: [HomeCareTeamDto],
    description:
      "The teams of the alarm's municipality a dispatch may go to (empty when the alarm has no municipality or the registry has published no teams)",
  })
  homeCareTeams: HomeCareTeamDto[];
}
