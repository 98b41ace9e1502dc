import { Module } from '@nestjs/common';
import { RegistryDevicesController } from './registry-devices.controller';
import { RegistryDevicesRepository } from './registry-devices.repository';
import { RegistryHomeCareTeamsRepository } from './registry-home-care-teams.repository';
import { RegistryResidentsController } from './registry-residents.controller';
import { RegistryResidentsRepository } from './registry-residents.repository';
import { RegistryMemoryView } from './registry-memory-view';

@Module({
  controllers: [RegistryDevicesController, RegistryResidentsController],
  providers: [
    RegistryDevicesRepository,
    RegistryResidentsRepository,
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
