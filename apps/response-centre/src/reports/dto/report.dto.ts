import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class ReportQueryDto {
  @ApiPropertyOptional({
    description:
      'A month (2026-03), an ISO week (2026-W13) or a range of days (2026-03-01..2026-03-31), in Norwegian time; default the previous month',
    example: '2026-03',
  })
  @IsOptional()
  @IsString()
  @Length(1, 40)
  period?: string;
}

/** The figures of issue 13; every time in seconds, every share as { count, of, percent }. */
export class ReportDto {
  @ApiProperty({ description: "What the report covers: kind 'municipality' or 'centre', its id and name" })
  subject: { kind: 'municipality' | 'centre'; id: string; name: string };

  @ApiProperty({
    description:
      'period, alarms, timeToAnswer (count, medianSeconds, p90Seconds at nearest rank, within60s, within180s, notAnswered, fromPress), ' +
      'followUp (alarms answered after more than 180 s: alarmId, openedAt, municipalityId, priority, answerSeconds), ' +
      'timeToHelpOnSite (to home care "arrived": within30min, within45min, within60min), dispatches (timeToAccept, declined, expired, unanswered), ' +
      'volumes (byTrigger, byPriority, byOutcome, falseAlarms, byWeekdayHour[weekday 0 = Monday][hour] in Europe/Oslo), escalations, ' +
      'technical (batteryLow, powerLost, deviceSilent, fleetSilent alarms; devicesSilentNow: supervised devices silent when the report was made; ' +
      'deviceHoursHeard: of the hours each supervised device was watched in the period up to now, those it was heard in). ' +
      'No resident is named and no operator is measured.',
  })
  figures: object;
}
