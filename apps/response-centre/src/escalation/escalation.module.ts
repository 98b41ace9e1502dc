import { DynamicModule, Module } from '@nestjs/common';
import { counterProvider } from '@welfare/platform';
import { AlarmsModule } from '../alarms/alarms.module';
import { HandlingLogModule } from '../handling-log/handling-log.module';
import { OutboxModule } from '../outbox/outbox.module';
import { ESCALATION_LIMITS, EscalationLimits, EscalationPolicy } from './escalation-policy';
import { EscalationService } from './escalation.service';

/** Unacknowledged alarms escalate: the policy (limits per priority) and the sweep. */
@Module({})
export class EscalationModule {
  static forRoot(limits: EscalationLimits): DynamicModule {
    return {
      module: EscalationModule,
      global: true,
      imports: [AlarmsModule, HandlingLogModule, OutboxModule],
      providers: [
        { provide: ESCALATION_LIMITS, useValue: limits },
        EscalationPolicy,
        EscalationService,
        counterProvider('alarms_escalated_total', 'Alarms escalated (unacknowledged past their limit), by priority', [
          'priority',
        ]),
      ],
      exports: [EscalationPolicy, EscalationService],
    };
  }
}
