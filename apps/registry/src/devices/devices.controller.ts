import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DevicesService } from './devices.service';
import { CreateDeviceDto, DeviceDto, DeviceWithSecretDto, HeartbeatIntervalDto, ListDevicesQueryDto, OnboardDeviceDto } from './dto/device.dto';

@ApiTags('devices')
@Controller('api/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  @ApiOkResponse({ type: [DeviceDto] })
  list(@Query() query: ListDevicesQueryDto): Promise<DeviceDto[]> {
    return this.devices.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: DeviceDto })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<DeviceDto> {
    return this.devices.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: DeviceDto, description: 'Registered in stock: no resident, no secret' })
  @ApiConflictResponse({ description: 'A device with this id or serial number exists' })
  create(@Body() body: CreateDeviceDto): Promise<DeviceDto> {
    return this.devices.create(body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: DeviceDto })
  @ApiConflictResponse({ description: 'The device is retired' })
  async update(@Param('id') id: string, @Body() body: HeartbeatIntervalDto): Promise<DeviceDto> {
    return body.heartbeatIntervalSeconds === undefined ? this.devices.get(id) : this.devices.setHeartbeatInterval(id, body.heartbeatIntervalSeconds);
  }

  @Post(':id/onboard')
  @HttpCode(200)
  @ApiOkResponse({ type: DeviceWithSecretDto, description: 'Active, with its MQTT secret: shown this once, never again' })
  @ApiNotFoundResponse({ description: 'No such device or resident' })
  @ApiConflictResponse({ description: 'The device is not in stock' })
  onboard(@Param('id') id: string, @Body() body: OnboardDeviceDto): Promise<DeviceWithSecretDto> {
    return this.devices.onboard(id, body.residentId);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({ type: DeviceWithSecretDto, description: 'The new secret, shown this once; the old one no longer works' })
  @ApiConflictResponse({ description: 'The device is not active' })
  rotateSecret(@Param('id') id: string): Promise<DeviceWithSecretDto> {
    return this.devices.rotateSecret(id);
  }

  @Post(':id/retire')
  @HttpCode(200)
  @ApiOkResponse({ type: DeviceDto, description: 'Retired: its secret is erased and it is shut out for good' })
  retire(@Param('id') id: string): Promise<DeviceDto> {
    return this.devices.retire(id);
  }
}
