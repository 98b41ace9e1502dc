import { Module } from '@nestjs/common';
import { gaugeProvider } from '@welfare/platform';
import { RegistryViewService } from './registry-view.service';

@Module({
  providers: [
    RegistryViewService,
    gaugeProvider('registry_view_devices', "Devices in the ingestor's view of registry.devices.v1"),
  ],
  exports: [RegistryViewService],
})
export class RegistryViewModule {}
