import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { contractTopicSpecs, KafkaTopics } from '@welfare/contracts';
import { alarmLaneProducerProvider, KafkaModule } from '@welfare/kafka';
import { ClockModule, counterProvider, ObservabilityModule, TypedConfigModule } from '@welfare/platform';
import { HealthController } from './health/health.controller';
import { ScaipIntakeService } from './intake/scaip-intake.service';
import { UnitCredentialsService } from './intake/unit-credentials.service';
import { ScaipGatewayConfig } from './scaip-gateway.config';
import { SipServerService } from './sip/sip-server.service';
import { ScaipUnitViewService } from './unit-view/scaip-unit-view.service';
import { ScaipAlarmMemoryService } from './alarm-memory/scaip-alarm-memory.service';

/** SCAIP alarm units over SIP onto the device-event lanes on Kafka. */
@Module({})
export class ScaipGatewayModule {
  static forRoot(config: ScaipGatewayConfig): DynamicModule {
    return {
      module: ScaipGatewayModule,
      imports: [
        TypedConfigModule.forRoot(ScaipGatewayConfig, config),
        ObservabilityModule.forRoot({
          service: 'scaip-gateway',
          logLevel: config.LOG_LEVEL,
          logFormat: config.LOG_FORMAT,
        }),
        ClockModule,
        KafkaModule.forRoot({
          clientId: config.KAFKA_CLIENT_ID,
          brokers: config.KAFKA_BROKERS,
          topics: contractTopicSpecs(),
          deadLetter: { topic: KafkaTopics.deviceEventsDeadLetter, source: 'scaip-gateway' },
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [
        ScaipUnitViewService,
        ScaipAlarmMemoryService,
        ScaipIntakeService,
        UnitCredentialsService,
        SipServerService,
        alarmLaneProducerProvider,
        counterProvider('scaip_accepted_total', 'SCAIP events put on Kafka, by contract type', ['type']),
        counterProvider('scaip_rejected_total', 'SCAIP messages dead-lettered, by reason', ['reason']),
        counterProvider('sip_refused_total', 'SIP requests refused or answered with a failure receipt, by reason', [
          'reason',
        ]),
      ],
    };
  }
}
