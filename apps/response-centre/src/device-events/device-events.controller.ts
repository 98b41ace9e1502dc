import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { AccessLogService, CurrentActor, Roles } from '@welfare/access';
import { DomainError } from '@welfare/platform';
import { centreScopeOf } from '../access/centre-scope';
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
@ApiBearerAuth()
@Roles('operator', 'supervisor')
@Controller('api/devices')
export class DeviceEventsController {
  constructor(
    private readonly events: DeviceEventsRepository,
    private readonly accessLog: AccessLogService,
  ) {}

  /** Events (positions, door openings) tell about a person's life: the read is access-logged. */
  @Get(':deviceId/events')
  @ApiOkResponse({ type: [DeviceEventDto], description: "The device's event history, newest first" })
  @ApiNotFoundResponse({ description: 'The device belongs to another centre' })
  async history(
    @CurrentActor() actor: Actor,
    @Param() { deviceId }: DeviceIdParam,
    @Query() query: HistoryQuery,
  ): Promise<DeviceEventDto[]> {
    const found = await this.events.history(centreScopeOf(actor), deviceId, query.limit);
    if (!found)
      throw new DomainError('not_found', 'device_not_found', `no device ${deviceId} in your centre`, { deviceId });
    await this.accessLog.record(actor, [
      { action: 'device-events.read', resourceId: deviceId, residentId: found.residentId },
    ]);
    return found.events.map((row) => ({
      eventId: row.eventId,
      type: row.type,
      occurredAt: row.occurredAt.toISOString(),
      receivedAt: row.receivedAt.toISOString(),
      alarmId: row.alarmId,
      payload: row.payload as unknown as Record<string, unknown>,
    }));
  }
}
