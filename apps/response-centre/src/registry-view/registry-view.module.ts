import { Module } from '@nestjs/common';
import { RegistryDevicesConsumer } from './registry-devices.consumer';
import { RegistryDevicesRepository } from './registry-devices.repository';

@Module({ providers: [RegistryDevicesRepository, RegistryDevicesConsumer], exports: [RegistryDevicesRepository] })
export class RegistryViewModule {}
