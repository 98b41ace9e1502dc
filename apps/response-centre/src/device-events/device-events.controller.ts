import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IDENTIFIER_PATTERN } from '@welfare/contracts';
import { DeviceEventsRepository } from './device-events.repository';

class DeviceIdParam {
  @Matches(new RegExp(IDENTIFIER_PATTERN), { message: 'deviceId must be 1-64 chars of A-Z a-z 0-9 . _ : -' })
  deviceId: string;
}

class HistoryQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;
}

class DeviceEventDto {
  @ApiProperty() eventId: string;
  @ApiProperty() type: string;
  @ApiProperty({ format: 'date-time', description: 'Device clock' }) occurredAt: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) alarmId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload: Record<string, unknown>;
}

@ApiTags('devices')
@Controller('api/devices')
export class DeviceEventsController {
  constructor(private readonly events: DeviceEventsRepository) {}

  @Get(':deviceId/events')
  @ApiOkResponse({ type: [DeviceEventDto], description: "The device's event history, newest first" })
  async history(@Param() { deviceId }: DeviceIdParam, @Query() query: HistoryQuery): Promise<DeviceEventDto[]> {
    const rows = await this.events.history(deviceId, query.limit);
    return rows.map((row) => ({
      eventId: row.eventId,
      type: row.type,
      occurredAt: row.occurredAt.toISOString(),
      receivedAt: row.receivedAt.toISOString(),
      alarmId: row.alarmId,
      payload: row.payload as unknown as Record<string, unknown>,
    }));
  }
}
