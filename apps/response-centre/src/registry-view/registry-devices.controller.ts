import { Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '@welfare/platform';
import { decodeRegistryDeviceRecord, KafkaTopics } from '@welfare/contracts';
import { KafkaConsumerController, KafkaHandler, PoisonRecordError } from '@welfare/kafka';
import type { ConsumedRecord } from '@welfare/kafka';
import { RegistryDevicesRepository } from './registry-devices.repository';
import { RegistryMemoryView } from './registry-memory-view';
import { DeviceSupervisionRepository } from '../supervision/device-supervision.repository';
import { SUPERVISION_SETTINGS } from '../supervision/supervision.service';
import type { SupervisionSettings } from '../supervision/supervision.service';

/**
 * Keeps the local view of the registry's devices, read from the compacted topic from the start
 * in a consumer group of its own, so that alarms are stamped without a call to the registry.
 * An active device is supervised from when the registry announces it (a device never heard
 * from falls silent too); a retired one no longer is.
 */
@KafkaConsumerController()
export class RegistryDevicesController {
  constructor(
    private readonly devices: RegistryDevicesRepository,
    private readonly supervision: DeviceSupervisionRepository,
    @Inject(SUPERVISION_SETTINGS) private readonly supervisionSettings: SupervisionSettings,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly memory: RegistryMemoryView,
  ) {}

  @KafkaHandler(KafkaTopics.registryDevices, { group: 'registry-devices' })
  async device(@Payload() record: ConsumedRecord): Promise<void> {
    const decoded = decodeRegistryDeviceRecord(record.message.value);
    if ('reason' in decoded) throw new PoisonRecordError(decoded.reason, decoded.detail);
    // Memory first: once the table shows the record, the intake's view has it too.
    this.memory.applyDevice(decoded);
    await this.devices.upsert(decoded);
    const active = decoded.state === 'active';
    await this.supervision.registered(
      this.dataSource.manager,
      decoded.deviceId,
      active,
      decoded.heartbeatIntervalSeconds,
      this.clock.now(),
      this.supervisionSettings.graceSeconds,
    );
  }
}
