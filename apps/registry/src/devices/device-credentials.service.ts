import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Device } from './device.entity';
import { verifyDeviceSecret } from './device-secret';

/**
 * Checks a device's MQTT credentials (username = device id). Only an active device can pass:
 * a device in stock has no secret, and retiring erases it. Asked by brokers that call the
 * registry's hooks (broker-access/broker-hooks.controller.ts: aedes, EMQX).
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

  /** The digest HA1 of the active SCAIP unit with this controller id, for the SCAIP gateway; null for any other. */
  async scaipDigestHa1(controllerId: string): Promise<string | null> {
    const device = await this.dataSource.manager
      .createQueryBuilder(Device, 'device')
      .addSelect('device.scaipDigestHa1')
      .where('device.scaipControllerId = :controllerId AND device.scaipSubDeviceId IS NULL AND device.state = :state', {
        controllerId,
        state: 'active',
      })
      .getOne();
    return device?.scaipDigestHa1 ?? null;
  }

  /** For the broker's authorization hook: only an active device may use its topics. */
  async isActive(deviceId: string): Promise<boolean> {
    return (await this.dataSource.manager.count(Device, { where: { id: deviceId, state: 'active' } })) > 0;
  }
}
