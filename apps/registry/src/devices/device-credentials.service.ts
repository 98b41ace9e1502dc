import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Device } from './device.entity';
import { verifyDeviceSecret } from './device-secret';

/**
 * Checks a device's MQTT credentials (username = device id). Only an active device can pass:
 * a device in stock has no secret, and retiring erases it. For the broker authentication
 * that comes later (an HTTP auth hook of Mosquitto, EMQX or HiveMQ can call it).
 */
@Injectable()
export class DeviceCredentialsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(deviceId: string, secret: string): Promise<boolean> {
    const device = await this.dataSource.manager
      .createQueryBuilder(Device, 'device')
      .addSelect('device.secretHash')
      .where('device.id = :deviceId AND device.state = :state', { deviceId, state: 'active' })
      .getOne();
    return verifyDeviceSecret(secret, device?.secretHash ?? null);
  }
}
