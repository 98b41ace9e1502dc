import { Module } from '@nestjs/common';
import { RegistryDevicesConsumer } from './registry-devices.consumer';
import { RegistryDevicesRepository } from './registry-devices.repository';
import { RegistryHomeCareTeamsConsumer } from './registry-home-care-teams.consumer';
import { RegistryHomeCareTeamsRepository } from './registry-home-care-teams.repository';
import { ResidentDirectory } from './resident-directory';

@Module({
  providers: [RegistryDevicesRepository, RegistryDevicesConsumer, RegistryHomeCareTeamsRepository, RegistryHomeCareTeamsConsumer, ResidentDirectory],
  exports: [RegistryDevicesRepository, RegistryHomeCareTeamsRepository, ResidentDirectory],
})
export class RegistryViewModule {}
