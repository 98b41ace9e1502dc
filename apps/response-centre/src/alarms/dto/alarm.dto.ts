import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEVICE_EVENT_TYPES } from '@welfare/contracts';
import { DispatchDto, DispatchSummaryDto, HomeCareTeamDto } from '../../dispatch/dto/dispatch.dto';
import { ACTOR_KINDS, HANDLING_STEPS } from '../../handling-log/handling-log-entry.entity';
import { ALARM_OUTCOMES, ALARM_STATES } from '../alarm-state';

export class AlarmSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() deviceId: string;
  @ApiProperty({ enum: DEVICE_EVENT_TYPES, description: 'The device event type that opened the alarm' }) triggerType: string;
  @ApiProperty({ description: 'The device event id that opened the alarm' }) triggerEventId: string;
  @ApiProperty({ enum: [1, 2, 3], description: '1 is most urgent' }) priority: number;
  @ApiProperty({ enum: ALARM_STATES }) state: string;
  @ApiProperty({ format: 'date-time', description: 'When it happened, by the device clock' }) triggeredAt: string;
  @ApiProperty({ format: 'date-time', description: 'When the response centre stored it' }) openedAt: string;
  @ApiProperty({ description: 'Seconds since openedAt at the time of the answer' }) ageSeconds: number;
  @ApiProperty({ nullable: true, type: String }) acknowledgedBy: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acknowledgedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The resident, as the registry had the device when the alarm opened; null if it did not know the device' })
  residentId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) municipalityId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) responseCentreId: string | null;
  @ApiProperty({ enum: ['care', 'technical'], description: 'care: help the person; technical: fix the device' }) kind: string;
  @ApiProperty({ description: 'Repeats attached (the button pressed again, a second fall)' }) repeatCount: number;
  @ApiProperty({ format: 'date-time', description: 'The newest trigger or repeat, by the device clock' }) lastTriggeredAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When the resident cancelled it at the device (an operator still closes it)' })
  cancelledAtDeviceAt: string | null;
  @ApiProperty({ description: '0, or how many times it escalated: waiting unacknowledged, or its dispatch declined, expired or unanswered' })
  escalationLevel: number;
  @ApiProperty({ format: 'date-time', description: 'When the alarm or its dispatch last changed (a newer summary replaces an older one)' }) updatedAt: string;
  @ApiProperty({ type: DispatchSummaryDto, nullable: true, description: 'The newest dispatch to home care, whatever its status; null if none' })
  dispatch: DispatchSummaryDto | null;
}

export class HandlingLogEntryDto {
  @ApiProperty({ description: 'Increasing; orders the steps' }) id: string;
  @ApiProperty({ enum: HANDLING_STEPS }) step: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ACTOR_KINDS }) actorKind: string;
  @ApiProperty() actorId: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

class ResidentContactDto {
  @ApiProperty() name: string;
  @ApiProperty() phone: string;
  @ApiPropertyOptional() relation?: string;
}

/** What the registry says of the resident: who, where, how to get in, whom to call. */
export class ResidentDto {
  @ApiProperty({ format: 'uuid' }) residentId: string;
  @ApiProperty() name: string;
  @ApiProperty() address: string;
  @ApiProperty({ nullable: true, type: String }) keyBox: string | null;
  @ApiProperty({ nullable: true, type: String }) doorCodeHint: string | null;
  @ApiProperty({ nullable: true, type: String }) accessNote: string | null;
  @ApiProperty({ type: [ResidentContactDto] }) contacts: ResidentContactDto[];
}

export class AlarmDetailDto extends AlarmSummaryDto {
  @ApiProperty({ nullable: true, type: String }) resolvedBy: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) resolvedAt: string | null;
  @ApiProperty({ nullable: true, enum: ALARM_OUTCOMES }) outcome: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The device event that opened the alarm, as sent' })
  triggerEvent: Record<string, unknown> | null;
  @ApiProperty({ type: [HandlingLogEntryDto], description: 'Every handling step, oldest first' }) log: HandlingLogEntryDto[];
  @ApiProperty({ type: ResidentDto, nullable: true, description: 'Null while the response centre has no registry data on the resident' })
  resident: ResidentDto | null;
  @ApiProperty({ type: [DispatchDto], description: 'Every dispatch to home care, oldest first' }) dispatches: DispatchDto[];
  @ApiProperty({ type: [HomeCareTeamDto], description: "The teams of the alarm's municipality a dispatch may go to (empty when the alarm has no municipality or the registry has published no teams)" })
  homeCareTeams: HomeCareTeamDto[];
}
