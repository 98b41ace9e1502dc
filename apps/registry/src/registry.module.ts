import { DynamicModule, Module } from '@nestjs/common';
import { contractTopicSpecs, KafkaTopics } from '@welfare/contracts';
import { AccessModule } from '@welfare/access';
import { KafkaModule } from '@welfare/kafka';
import { DatabaseServiceHealthModule } from '@welfare/persistence';
import { ClockModule, ObservabilityModule, TypedConfigModule } from '@welfare/platform';
import { BrokerAccessModule } from './broker-access/broker-access.module';
import { ScaipAccessModule } from './scaip-access/scaip-access.module';
import { BulkImportModule } from './bulk-import/bulk-import.module';
import { DatabaseModule } from './database/database.module';
import { DevicesModule } from './devices/devices.module';
import { HomeCareTeamsModule } from './home-care-teams/home-care-teams.module';
import { MunicipalitiesModule } from './municipalities/municipalities.module';
import { RegistryConfig } from './registry.config';
import { ResidentsModule } from './residents/residents.module';
import { AdminPagesModule } from './admin-pages/admin-pages.module';
import { AlarmRulesModule } from './alarm-rules/alarm-rules.module';
import { ResponseCentresModule } from './response-centres/response-centres.module';

/** The registry consumes nothing yet, so nothing is dead-lettered under its name. */
const NO_DEAD_LETTERS = { topic: KafkaTopics.deviceEventsDeadLetter, source: 'registry' as const };

/** The registry: municipality admins keep centres, municipalities, teams, residents and devices; devices go out on a compacted topic. */
@Module({})
export class RegistryModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        TypedConfigModule.forRoot(RegistryConfig, config),
        ObservabilityModule.forRoot({ service: 'registry', logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT }),
        ClockModule,
        KafkaModule.forRoot({
          clientId: config.KAFKA_CLIENT_ID,
          brokers: config.KAFKA_BROKERS,
          topics: contractTopicSpecs(),
          deadLetter: NO_DEAD_LETTERS,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        }),
        DatabaseModule.forRoot(config),
        AccessModule.forRoot(config, { signInPage: '/admin' }),
        ResponseCentresModule,
        MunicipalitiesModule,
        HomeCareTeamsModule,
        ResidentsModule,
        AlarmRulesModule,
        DevicesModule,
        BrokerAccessModule,
        ScaipAccessModule,
        BulkImportModule,
        AdminPagesModule,
        DatabaseServiceHealthModule,
      ],
    };
  }
}
