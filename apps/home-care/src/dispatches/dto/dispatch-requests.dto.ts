import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { DISPATCH_STATUSES } from '../dispatch-state';
import type { DispatchStatus } from '../dispatch-state';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const list = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : value;

export class ListDispatchesQueryDto {
  @ApiPropertyOptional({
    description: `Only these statuses, comma-separated (${DISPATCH_STATUSES.join(', ')}); default all`,
    example: 'requested,accepted,en_route,arrived',
  })
  @IsOptional()
  @Transform(list)
  @ArrayNotEmpty({ message: 'status must name at least one status' })
  @IsIn(DISPATCH_STATUSES, {
    each: true,
    message: `status must be a comma-separated list of ${DISPATCH_STATUSES.join(', ')}`,
  })
  status?: DispatchStatus[];

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 100;
}

export class StreamQueryDto {
  @ApiPropertyOptional({
    description:
      'Resume after this stream position ("tx.id", the id of the last event seen, or the list\'s Stream-Cursor header). The Last-Event-ID header wins when both are sent. Neither: from now on.',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,20}\.\d{1,19}$/, {
    message: 'since must be a stream position "tx.id" as sent in an event id (e.g. 5123.87)',
  })
  since?: string;
}

export class DeclineDispatchDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, description: 'Why the team cannot go; the response centre reads it' })
  @Transform(trimmed)
  @IsString({ message: 'reason is required: say why the team cannot go' })
  @Length(1, 2000, { message: 'reason is required (1 to 2000 characters): say why the team cannot go' })
  reason: string;
}

export class CompleteDispatchDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 4000,
    description: 'A short report of the visit; the response centre reads it',
  })
  @Transform(trimmed)
  @IsString({ message: 'report is required: a short report of the visit' })
  @Length(1, 4000, { message: 'report is required (1 to 4000 characters): a short report of the visit' })
  report: string;
}
