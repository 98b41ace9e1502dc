import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DISPATCH_ACTOR_KINDS, DISPATCH_LOG_STEPS } from '../dispatch-log-entry.entity';
import { DISPATCH_STATUSES } from '../dispatch-state';

export class DispatchActorDto {
  @ApiProperty({
    description: "The token subject (a nurse), the response centre's operator, or `home-care` for this service",
  })
  id: string;
  @ApiProperty({ nullable: true, type: String, description: 'Display name' }) name: string | null;
}

export class DispatchContactDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Call it: the page shows it as a tel: link' }) phone: string;
  @ApiPropertyOptional({ example: 'daughter' }) relation?: string;
}

export class DispatchResidentDto {
  @ApiProperty({ format: 'uuid' }) residentId: string;
  @ApiProperty() name: string;
  @ApiProperty() address: string;
  @ApiProperty({ nullable: true, type: String, description: 'Where the key box is' }) keyBox: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'A hint to the door code, never the code' }) doorCodeHint:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Other access notes (dog, stairs, side door)' })
  accessNote: string | null;
  @ApiProperty({ type: [DispatchContactDto], description: 'Contacts and next of kin, in call order' })
  contacts: DispatchContactDto[];
}

export class DispatchSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) alarmId: string;
  @ApiProperty({ format: 'uuid' }) homeCareTeamId: string;
  @ApiProperty({ enum: DISPATCH_STATUSES }) status: string;
  @ApiProperty({ description: 'true while someone may still have to act (requested, accepted, en route, arrived)' })
  active: boolean;
  @ApiProperty({ enum: [1, 2, 3], description: '1 is most urgent' }) priority: number;
  @ApiProperty({ description: "The alarm's trigger, e.g. alarm.button, fall.detected" }) triggerType: string;
  @ApiProperty({ description: "The response centre's instructions to the team" }) instructions: string;
  @ApiProperty({
    type: DispatchResidentDto,
    nullable: true,
    description: 'As the response centre had the resident when it dispatched; null if it did not know them',
  })
  resident: DispatchResidentDto | null;
  @ApiProperty({ type: DispatchActorDto }) requestedBy: DispatchActorDto;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({
    format: 'date-time',
    description: 'Not accepted by then: the dispatch expires and the centre is told',
  })
  acceptBy: string;
  @ApiProperty({ type: DispatchActorDto, nullable: true }) acceptedBy: DispatchActorDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acceptedAt: string | null;
  @ApiProperty({ type: DispatchActorDto, nullable: true }) enRouteBy: DispatchActorDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) enRouteAt: string | null;
  @ApiProperty({ type: DispatchActorDto, nullable: true }) arrivedBy: DispatchActorDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) arrivedAt: string | null;
  @ApiProperty({ type: DispatchActorDto, nullable: true }) completedBy: DispatchActorDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The visit report' }) report: string | null;
  @ApiProperty({ type: DispatchActorDto, nullable: true }) declinedBy: DispatchActorDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) declinedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) declineReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) expiredAt: string | null;
  @ApiProperty({ type: DispatchActorDto, nullable: true }) withdrawnBy: DispatchActorDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) withdrawnAt: string | null;
  @ApiProperty({ nullable: true, type: String }) withdrawalReason: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class DispatchLogEntryDto {
  @ApiProperty({ description: 'Increasing within a dispatch; orders its steps' }) id: string;
  @ApiProperty({ enum: DISPATCH_LOG_STEPS }) step: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: DISPATCH_ACTOR_KINDS }) actorKind: string;
  @ApiProperty() actorId: string;
  @ApiProperty({ nullable: true, type: String }) actorName: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

export class DispatchDetailDto extends DispatchSummaryDto {
  @ApiProperty({ type: [DispatchLogEntryDto], description: 'Every step, oldest first' }) log: DispatchLogEntryDto[];
}

/** The data of one event on the live stream (event name `dispatch`, id = its stream position). */
export class DispatchStreamEventDto {
  @ApiProperty({
    description: 'The stream position "tx.id" (also the event id): resume after it with Last-Event-ID or ?since=',
  })
  cursor: string;
  @ApiProperty({ type: DispatchLogEntryDto, description: 'The step that happened' }) entry: DispatchLogEntryDto;
  @ApiProperty({
    type: DispatchSummaryDto,
    description: 'The dispatch as it is now (it may have moved on since the step)',
  })
  dispatch: DispatchSummaryDto;
}
