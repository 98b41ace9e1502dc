import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { contractTopicSpecs, KafkaTopics } from '@welfare/contracts';
import { AccessModule } from '@welfare/access';
import { KafkaModule } from '@welfare/kafka';
import { DatabaseServiceHealthModule, isTransientDatabaseError } from '@welfare/persistence';
import { Clock, ClockModule, ObservabilityModule, TypedConfigModule } from '@welfare/platform';
import { AlarmsModule } from './alarms/alarms.module';
import { ConsoleModule } from './console/console.module';
import { DatabaseModule } from './database/database.module';
import { DeviceEventsModule } from './device-events/device-events.module';
import { DispatchModule } from './dispatch/dispatch.module';
import { EscalationModule } from './escalation/escalation.module';
import { parseEscalationLimits } from './escalation/escalation-policy';
import { SupervisionModule } from './supervision/supervision.module';
import { IntakeModule } from './intake/intake.module';
import { ALARM_LANE_GROUP, TELEMETRY_LANE_GROUP } from './intake/device-events.controller';
import { ReportsModule } from './reports/reports.module';
import { WallboardModule } from './wallboard/wallboard.module';
import { ResponseCentreConfig } from './response-centre.config';

/** The inter-municipal response centre: device events become alarms that operators handle, live, and dispatch home care to. */
@Module({})
export class ResponseCentreModule {
  /** `options.clock` replaces the system clock (tests that drive the whole service at chosen times). */
  static forRoot(config: ResponseCentreConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: ResponseCentreModule,
      imports: [
        TypedConfigModule.forRoot(ResponseCentreConfig, config),
        ObservabilityModule.forRoot({
          service: 'response-centre',
          logLevel: config.LOG_LEVEL,
          logFormat: config.LOG_FORMAT,
        }),
        options.clock ? ClockModule.using(options.clock) : ClockModule,
        // Runs the @Interval sweeps (escalation, supervision) and stops them on shutdown.
        ScheduleModule.forRoot(),
        KafkaModule.forRoot({
          clientId: config.KAFKA_CLIENT_ID,
          brokers: config.KAFKA_BROKERS,
          topics: contractTopicSpecs(),
          deadLetter: { topic: KafkaTopics.deviceEventsDeadLetter, source: 'response-centre' },
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          consumers: {
            groupId: config.KAFKA_CONSUMER_GROUP,
            isTransient: isTransientDatabaseError,
            groups: {
              [ALARM_LANE_GROUP]: { maxBatchSize: 50, concurrency: config.ALARM_INTAKE_CONCURRENCY },
              [TELEMETRY_LANE_GROUP]: {
                maxBatchSize: config.INTAKE_BATCH_SIZE,
                concurrency: config.INTAKE_CONCURRENCY,
              },
            },
          },
        }),
        DatabaseModule.forRoot(config),
        AccessModule.forRoot(config, { signInPage: '/console' }),
        DeviceEventsModule,
        AlarmsModule,
        EscalationModule.forRoot(parseEscalationLimits(config.ESCALATION_LIMITS_SECONDS)),
        SupervisionModule.forRoot({
          graceSeconds: config.HEARTBEAT_GRACE_SECONDS,
          fleetFraction: config.FLEET_SILENCE_FRACTION,
          fleetMinDevices: config.FLEET_SILENCE_MIN_DEVICES,
        }),
        IntakeModule,
        DispatchModule,
        ConsoleModule,
        ReportsModule,
        WallboardModule,
        DatabaseServiceHealthModule,
      ],
    };
  }
}
