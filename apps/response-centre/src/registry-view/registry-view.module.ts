import { Module } from '@nestjs/common';
import { RegistryDevicesConsumer } from './registry-devices.consumer';
import { RegistryDevicesRepository } from './registry-devices.repository';
import { RegistryHomeCareTeamsRepository } from './registry-home-care-teams.repository';
import { RegistryResidentsConsumer } from './registry-residents.consumer';
import { RegistryResidentsRepository } from './registry-residents.repository';
import { RegistryMemoryView } from './registry-memory-view';

@Module({
  providers: [
    RegistryDevicesRepository,
    RegistryDevicesConsumer,
    RegistryResidentsRepository,
    RegistryResidentsConsumer,
    RegistryHomeCareTeamsRepository,
    RegistryMemoryView,
  ],
  exports: [
    RegistryDevicesRepository,
    RegistryResidentsRepository,
    RegistryHomeCareTeamsRepository,
    RegistryMemoryView,
  ],
})
export class RegistryViewModule {}
