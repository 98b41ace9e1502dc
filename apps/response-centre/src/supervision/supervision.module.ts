import { DynamicModule, Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { AlarmsModule } from '../alarms/alarms.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { RegistryViewModule } from '../registry-view/registry-view.module';
import { DeviceSupervisionRepository } from './device-supervision.repository';
import { SUPERVISION_SETTINGS, SupervisionService, SupervisionSettings } from './supervision.service';

/** Heartbeat supervision: silent devices raise technical alarms; a silent fleet raises one system alarm. */
@Module({})
export class SupervisionModule {
  static forRoot(settings: SupervisionSettings): DynamicModule {
    return {
      module: SupervisionModule,
      global: true,
      imports: [AlarmsModule, HandlingLogModule, RegistryViewModule],
      providers: [
        { provide: SUPERVISION_SETTINGS, useValue: settings },
        DeviceSupervisionRepository,
        SupervisionService,
        counterProvider(
          'devices_silent_total',
          'Devices found silent past their heartbeat interval and grace, by what was raised',
          ['outcome'],
        ),
      ],
      exports: [DeviceSupervisionRepository, SupervisionService, SUPERVISION_SETTINGS],
    };
  }
}
