import { Module } from '@nestjs/common';
import { counterProvider, gaugeProvider } from '@welfare/platform';
import { DeviceCredentialsService } from '../devices/device-credentials.service';
import { BrokerAccessService } from './broker-access.service';
import { BrokerHooksController } from './broker-hooks.controller';

/** The MQTT broker's view of which devices may sign in, kept by the registry (see BrokerAccessService). */
@Module({
  controllers: [BrokerHooksController],
  providers: [
    BrokerAccessService,
    DeviceCredentialsService,
    counterProvider(
      'broker_clients_removed_total',
      'Broker clients of devices that are not active, removed by the reconciliation',
    ),
    gaugeProvider(
      'broker_active_devices_without_credentials',
      'Active devices the broker has no client for (found by the last reconciliation)',
    ),
  ],
  exports: [BrokerAccessService, DeviceCredentialsService],
})
export class BrokerAccessModule {}
