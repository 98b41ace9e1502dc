import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '@welfare/access';
import { CurrentActor, Roles } from '@welfare/access';
import QRCode from 'qrcode';
import { tenancyOf } from '../access/tenancy';
import { DevicesService } from './devices.service';
import {
  CreateDeviceDto,
  DeviceDto,
  DeviceWithSecretDto,
  HeartbeatIntervalDto,
  ListDevicesQueryDto,
  OnboardDeviceDto,
} from './dto/device.dto';

/** A municipality's administrators keep the devices it owns. */
@ApiTags('devices')
@ApiBearerAuth()
@Controller('api/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  @Roles('municipality-admin')
  @ApiOkResponse({ type: [DeviceDto] })
  list(@CurrentActor() actor: Actor, @Query() query: ListDevicesQueryDto): Promise<DeviceDto[]> {
    return this.devices.list(tenancyOf(actor), query);
  }

  @Get(':id')
  @Roles('municipality-admin')
  @ApiOkResponse({ type: DeviceDto })
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<DeviceDto> {
    return this.devices.get(tenancyOf(actor), id);
  }

  @Post()
  @Roles('municipality-admin')
  @ApiCreatedResponse({ type: DeviceDto, description: 'Registered in stock: no resident, no secret' })
  @ApiConflictResponse({ description: 'A device with this id or serial number exists' })
  create(@CurrentActor() actor: Actor, @Body() body: CreateDeviceDto): Promise<DeviceDto> {
    return this.devices.create(tenancyOf(actor), body);
  }

  @Patch(':id')
  @Roles('municipality-admin')
  @ApiOkResponse({ type: DeviceDto })
  @ApiConflictResponse({ description: 'The device is retired' })
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: HeartbeatIntervalDto,
  ): Promise<DeviceDto> {
    return body.heartbeatIntervalSeconds === undefined
      ? this.devices.get(tenancyOf(actor), id)
      : this.devices.setHeartbeatInterval(tenancyOf(actor), id, body.heartbeatIntervalSeconds);
  }

  @Post(':id/onboard')
  @Roles('municipality-admin')
  @HttpCode(200)
  @ApiOkResponse({
    type: DeviceWithSecretDto,
    description: 'Active, with its MQTT secret: shown this once, never again',
  })
  @ApiNotFoundResponse({ description: 'No such device or resident' })
  @ApiConflictResponse({ description: 'The device is not in stock' })
  onboard(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: OnboardDeviceDto,
  ): Promise<DeviceWithSecretDto> {
    return withQrCode(this.devices.onboard(tenancyOf(actor), id, body.residentId));
  }

  @Post(':id/rotate-secret')
  @Roles('municipality-admin')
  @HttpCode(200)
  @ApiOkResponse({
    type: DeviceWithSecretDto,
    description: 'The new secret, shown this once; the old one no longer works',
  })
  @ApiConflictResponse({ description: 'The device is not active' })
  rotateSecret(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<DeviceWithSecretDto> {
    return withQrCode(this.devices.rotateSecret(tenancyOf(actor), id));
  }

  @Post(':id/retire')
  @Roles('municipality-admin')
  @HttpCode(200)
  @ApiOkResponse({ type: DeviceDto, description: 'Retired: its secret is erased and it is shut out for good' })
  retire(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<DeviceDto> {
    return this.devices.retire(tenancyOf(actor), id);
  }
}

/** The one answer with the secret also carries it as a QR code, so a provisioning tool can scan it off the admin page. */
async function withQrCode(
  answer: Promise<Omit<DeviceWithSecretDto, 'provisioningQrSvg'>>,
): Promise<DeviceWithSecretDto> {
  const { device, secret } = await answer;
  const payload = JSON.stringify({ deviceId: device.id, mqttUsername: device.id, mqttPassword: secret });
  const provisioningQrSvg = await QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { device, secret, provisioningQrSvg };
}
