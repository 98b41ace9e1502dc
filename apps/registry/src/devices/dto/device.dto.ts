import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import {
  DEVICE_KINDS,
  DEVICE_STATES,
  IDENTIFIER_PATTERN,
  SCAIP_CONTROLLER_ID_PATTERN,
  SCAIP_SUB_DEVICE_ID_PATTERN,
} from '@welfare/contracts';
import type { DeviceKind, DeviceState } from '@welfare/contracts';
import { TimestampsDto } from '../../common/timestamps.dto';

export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 900;

export class HeartbeatIntervalDto {
  @ApiPropertyOptional({
    minimum: 10,
    maximum: 86_400,
    default: DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
    description: 'How often the device checks in',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(86_400)
  heartbeatIntervalSeconds?: number;
}

export class CreateDeviceDto extends HeartbeatIntervalDto {
  @ApiProperty({ pattern: IDENTIFIER_PATTERN, description: 'The device id: its MQTT username and client id' })
  @Matches(new RegExp(IDENTIFIER_PATTERN), { message: 'id must be 1-64 characters of A-Z a-z 0-9 . _ : -' })
  id: string;

  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  serialNumber: string;

  @ApiProperty({ enum: DEVICE_KINDS })
  @IsIn(DEVICE_KINDS, { message: `kind must be one of ${DEVICE_KINDS.join(', ')}` })
  kind: DeviceKind;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The municipality that owns it; by default the one you administer',
  })
  @IsOptional()
  @IsUUID()
  municipalityId?: string;

  @ApiPropertyOptional({
    pattern: SCAIP_CONTROLLER_ID_PATTERN,
    description: "A SCAIP alarm unit's controller id (`cid`, up to 16 digits), as the unit sends it",
  })
  @ValidateIf((dto: CreateDeviceDto) => dto.scaipControllerId !== undefined || dto.scaipSubDeviceId !== undefined)
  @IsDefined({ message: 'scaipSubDeviceId needs scaipControllerId' })
  @Matches(new RegExp(SCAIP_CONTROLLER_ID_PATTERN), { message: 'scaipControllerId must be 1-16 digits' })
  scaipControllerId?: string;

  @ApiPropertyOptional({
    pattern: SCAIP_SUB_DEVICE_ID_PATTERN,
    description: "A SCAIP sub-device's id within its unit (`did`); leave out for the unit itself",
  })
  @IsOptional()
  @Matches(new RegExp(SCAIP_SUB_DEVICE_ID_PATTERN), { message: 'scaipSubDeviceId must be 1-8 letters or digits' })
  scaipSubDeviceId?: string;
}

export class OnboardDeviceDto {
  @ApiProperty({ format: 'uuid', description: 'The resident the device is given to' })
  @IsUUID()
  residentId: string;
}

export class ListDevicesQueryDto {
  @ApiPropertyOptional({ enum: DEVICE_STATES })
  @IsOptional()
  @IsIn(DEVICE_STATES)
  state?: DeviceState;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  residentId?: string;
}

export class DeviceDto extends TimestampsDto {
  @ApiProperty() id: string;
  @ApiProperty() serialNumber: string;
  @ApiProperty({ enum: DEVICE_KINDS }) kind: DeviceKind;
  @ApiProperty({ enum: DEVICE_STATES }) state: DeviceState;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The municipality that owns it' })
  municipalityId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) residentId: string | null;
  @ApiProperty() heartbeatIntervalSeconds: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the current secret was issued' })
  credentialsIssuedAt: Date | null;
  @ApiProperty({ type: String, nullable: true, description: "A SCAIP unit's controller id (`cid`)" })
  scaipControllerId: string | null;
  @ApiProperty({ type: String, nullable: true, description: "A SCAIP sub-device's id within its unit (`did`)" })
  scaipSubDeviceId: string | null;
  @ApiProperty({ description: 'Revision of its record on registry.devices.v1' }) revision: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) retiredAt: Date | null;
}

/** The only answer that ever contains the secret: onboarding and rotation. */
export class DeviceWithSecretDto {
  @ApiProperty({ type: DeviceDto }) device: DeviceDto;
  @ApiProperty({
    description: 'The MQTT password of the device (username = device id). Shown this once; only its hash is kept.',
  })
  secret: string;

  @ApiProperty({
    description:
      'The same credentials as a QR code (SVG) for provisioning tools: JSON {"deviceId","mqttUsername","mqttPassword"}. Shown this once, like the secret.',
  })
  provisioningQrSvg: string;
}
