import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { contractTopicSpecs, KafkaTopics } from '@welfare/contracts';
import { AccessModule } from '@welfare/access';
import { KafkaModule } from '@welfare/kafka';
import { DatabaseServiceHealthModule, isTransientDatabaseError } from '@welfare/persistence';
import { ClockModule, ObservabilityModule, TypedConfigModule } from '@welfare/platform';
import { DatabaseModule } from './database/database.module';
import { DispatchesModule } from './dispatches/dispatches.module';
import { DISPATCH_RECORDS_GROUP } from './dispatches/dispatch-records.controller';
import { HomeCareConfig } from './home-care.config';
import { PageModule } from './page/page.module';

/** Home care: dispatches from the response centre reach the team's nurses, who accept and report back. */
@Module({})
export class HomeCareModule {
  static forRoot(config: HomeCareConfig): DynamicModule {
    return {
      module: HomeCareModule,
      imports: [
        TypedConfigModule.forRoot(HomeCareConfig, config),
        ObservabilityModule.forRoot({ service: 'home-care', logLevel: config.LOG_LEVEL, logFormat: config.LOG_FORMAT }),
        ClockModule,
        // Runs the expiry sweep and stops it on shutdown.
        ScheduleModule.forRoot(),
        KafkaModule.forRoot({
          clientId: config.KAFKA_CLIENT_ID,
          brokers: config.KAFKA_BROKERS,
          topics: contractTopicSpecs(),
          deadLetter: { topic: KafkaTopics.deviceEventsDeadLetter, source: 'home-care' },
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          consumers: {
            groupId: config.KAFKA_CONSUMER_GROUP,
            isTransient: isTransientDatabaseError,
            // One alarm's records share a key, hence a partition: they stay in order.
            groups: { [DISPATCH_RECORDS_GROUP]: { concurrency: 3 } },
          },
        }),
        DatabaseModule.forRoot(config),
        AccessModule.forRoot(config, { signInPage: '/' }),
        DispatchesModule,
        PageModule,
        DatabaseServiceHealthModule,
      ],
    };
  }
}
