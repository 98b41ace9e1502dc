import { Module } from '@nestjs/common';
import { RegistryDevicesConsumer } from './registry-devices.consumer';
import { RegistryDevicesRepository } from './registry-devices.repository';
import { RegistryResidentsConsumer } from './registry-residents.consumer';
import { RegistryResidentsRepository } from './registry-residents.repository';

@Module({
  providers: [RegistryDevicesRepository, RegistryDevicesConsumer, RegistryResidentsRepository, RegistryResidentsConsumer],
  exports: [RegistryDevicesRepository, RegistryResidentsRepository],
})
export class RegistryViewModule {}
