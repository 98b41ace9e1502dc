import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import type { Actor } from '@welfare/access';
import type { DispatchActor, DispatchUpdateType } from '@welfare/contracts';
import { OutboxRelayService } from '@welfare/persistence';
import { Clock, InjectMetric } from '@welfare/platform';
import { teamScopeOf } from '../access/team-scope';
import { DispatchUpdateOutbox } from '../outbox/dispatch-update-outbox';
import { Dispatch } from './dispatch.entity';
import { DispatchLogStep } from './dispatch-log-entry.entity';
import { withoutNul } from './dispatch-intake.service';
import { DispatchLogRepository } from './dispatch-log.repository';
import { afterNoChange, dispatchNotFound, NurseStep, STEP_FROM, STEP_TARGET } from './dispatch-state';
import { DispatchesRepository } from './dispatches.repository';

const UPDATE_TYPE: Record<NurseStep, DispatchUpdateType> = {
  accept: 'dispatch.accepted',
  decline: 'dispatch.declined',
  en_route: 'dispatch.en_route',
  arrived: 'dispatch.arrived',
  complete: 'dispatch.completed',
};

/** Names in the contract are at most 200 characters. */
const nameOf = (actor: Actor): string => actor.name.slice(0, 200);

export interface StepInput {
  reason?: string;
  report?: string;
}

/**
 * What nurses do to their team's dispatches. Each step is one transaction: the conditional
 * state change (`WHERE status = <the step before>`; accept and decline also `AND accept_by >
 * now`), its dispatch-log row (whose NOTIFY wakes the live streams on commit) and the update
 * record for the response centre in the outbox. Exactly one of concurrent callers changes the
 * row; the others are told who did (409), unless they are the same nurse repeating the step,
 * who gets the dispatch back.
 */
@Injectable()
export class DispatchActionsService {
  private readonly logger = new Logger(DispatchActionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatches: DispatchesRepository,
    private readonly log: DispatchLogRepository,
    private readonly outbox: DispatchUpdateOutbox,
    private readonly relay: OutboxRelayService,
    private readonly clock: Clock,
    @InjectMetric('dispatch_steps_total') private readonly steps: Counter<'step'>,
  ) {}

  /** True when this call changed the dispatch, false when it was a repeat of a step already done by the same nurse. */
  async act(actor: Actor, id: string, step: NurseStep, input: StepInput = {}): Promise<boolean> {
    const scope = teamScopeOf(actor);
    const nurse: DispatchActor = withoutNul({ id: actor.subject, name: nameOf(actor) });
    input = withoutNul(input);
    const changed = await this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const mustBeBefore = step === 'accept' || step === 'decline' ? now : undefined;
      const applied = await this.dispatches.transition(
        manager,
        scope,
        id,
        STEP_FROM[step],
        changesOf(step, nurse, now, input),
        mustBeBefore,
      );
      const dispatch = await this.dispatches.findInTeam(scope, id, manager);
      if (!dispatch) throw dispatchNotFound(id);
      if (!applied) {
        const outcome = afterNoChange(step, dispatch, nurse.id, now);
        if (outcome.kind === 'refused') throw outcome.error;
        return false;
      }
      const extra = step === 'decline' ? { reason: input.reason } : step === 'complete' ? { report: input.report } : {};
      await this.log.append(manager, {
        dispatchId: dispatch.id,
        homeCareTeamId: dispatch.homeCareTeamId,
        step: STEP_TARGET[step] as DispatchLogStep,
        at: now,
        actorKind: 'home_care',
        actorId: nurse.id,
        actorName: nurse.name,
        details: extra,
      });
      await this.outbox.enqueue(manager, dispatch, UPDATE_TYPE[step], nurse, now, extra);
      return true;
    });
    if (changed) {
      void this.relay.drain();
      this.steps.inc({ step });
      this.logger.log({ dispatchId: id, step, nurse: nurse.id }, 'dispatch step');
    }
    return changed;
  }
}

function changesOf(step: NurseStep, nurse: DispatchActor, at: Date, input: StepInput): Partial<Dispatch> {
  const base = { status: STEP_TARGET[step], updatedAt: at };
  switch (step) {
    case 'accept':
      return { ...base, acceptedById: nurse.id, acceptedByName: nurse.name, acceptedAt: at };
    case 'decline':
      return {
        ...base,
        declinedById: nurse.id,
        declinedByName: nurse.name,
        declinedAt: at,
        declineReason: input.reason ?? null,
      };
    case 'en_route':
      return { ...base, enRouteById: nurse.id, enRouteByName: nurse.name, enRouteAt: at };
    case 'arrived':
      return { ...base, arrivedById: nurse.id, arrivedByName: nurse.name, arrivedAt: at };
    case 'complete':
      return {
        ...base,
        completedById: nurse.id,
        completedByName: nurse.name,
        completedAt: at,
        report: input.report ?? null,
      };
  }
}
