import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ALARM_OUTCOMES } from '../alarm-state';
import type { AlarmOutcome } from '../alarm-state';

export class ListAlarmsQueryDto {
  @ApiPropertyOptional({
    enum: ['open', 'acknowledged'],
    description: 'Only this state; default both (every unresolved alarm)',
  })
  @IsOptional()
  @IsIn(['open', 'acknowledged'])
  state?: 'open' | 'acknowledged';

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 100;
}

export class AddNoteDto {
  @ApiProperty({ minLength: 1, maxLength: 4000 })
  @IsString()
  @Length(1, 4000)
  text: string;
}

export class ResolveAlarmDto {
  @ApiProperty({ enum: ALARM_OUTCOMES })
  @IsIn(ALARM_OUTCOMES, { message: `outcome must be one of ${ALARM_OUTCOMES.join(', ')}` })
  outcome: AlarmOutcome;

  @ApiPropertyOptional({ maxLength: 4000 })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  note?: string;
}

export class StreamQueryDto {
  @ApiPropertyOptional({
    description:
      'Replay every step after this cursor (an event id the stream sent, "tx.id"), then go live; "0.0" replays from the start',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,20}\.\d{1,19}$/, {
    message: 'since must be a cursor like "734.12": the id of an event the stream sent',
  })
  since?: string;
}
