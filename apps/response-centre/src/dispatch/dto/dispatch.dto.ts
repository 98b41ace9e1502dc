import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { DISPATCH_STATUSES } from '../dispatch.entity';

/** Who in home care did something: the nurse's token subject and name (as home care sent them). */
export class HomeCareActorDto {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
}

/** The alarm's newest dispatch, as the queue shows it. */
export class DispatchSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) homeCareTeamId: string;
  @ApiProperty({ description: 'The team name when it was dispatched' }) homeCareTeamName: string;
  @ApiProperty({ enum: DISPATCH_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time', description: 'Not accepted by then: home care expires it' }) acceptBy: string;
  @ApiProperty({ type: HomeCareActorDto, nullable: true, description: 'The nurse who accepted it' })
  acceptedBy: HomeCareActorDto | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acceptedAt: string | null;
}

/** A dispatch in full, on the alarm's detail. */
export class DispatchDto extends DispatchSummaryDto {
  @ApiProperty() instructions: string;
  @ApiProperty({ description: "The operator's token subject" }) requestedBy: string;
  @ApiProperty({ nullable: true, type: String }) withdrawnBy: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) withdrawnAt: string | null;
  @ApiProperty({ nullable: true, type: String }) withdrawReason: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

/** A team a dispatch for this alarm may go to (the alarm's municipality's teams). */
export class HomeCareTeamDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
}

export class DispatchRequestDto {
  @ApiProperty({ format: 'uuid', description: "A team of the alarm's municipality (see homeCareTeams on the alarm)" })
  @IsUUID('all', { message: 'homeCareTeamId must be a UUID' })
  homeCareTeamId: string;

  @ApiProperty({ minLength: 1, maxLength: 2000, description: 'What the nurse should know and do' })
  @IsString()
  @Length(1, 2000)
  instructions: string;

  @ApiPropertyOptional({
    minimum: 30,
    maximum: 3600,
    description: 'Seconds the team has to accept; default DISPATCH_ACCEPT_SECONDS',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(3600)
  acceptWithinSeconds?: number;
}

export class WithdrawDispatchDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, description: 'Told to the team' })
  @IsString()
  @Length(1, 2000)
  reason: string;
}
