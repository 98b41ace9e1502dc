import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { TeamScope } from '../access/team-scope';
import { PushSubscription } from './push-subscription.entity';

export interface NewPushSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  nurseId: string;
}

/** Every query on push subscriptions; a nurse's changes are fenced to the team in the token. */
@Injectable()
export class PushSubscriptionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One statement: a phone subscribing again (new keys, another nurse or team) takes its row over. */
  async save(scope: TeamScope, subscription: NewPushSubscription): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(PushSubscription)
      .values({ ...subscription, homeCareTeamId: scope.homeCareTeamId })
      .orUpdate(['p256dh', 'auth', 'nurse_id', 'home_care_team_id'], ['endpoint'])
      .execute();
  }

  /** Removes the endpoint if it belongs to the nurse's team; false when there was none. */
  async removeInTeam(scope: TeamScope, endpoint: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(PushSubscription).delete({
      endpoint,
      homeCareTeamId: scope.homeCareTeamId,
    });
    return (result.affected ?? 0) > 0;
  }

  async findForTeam(homeCareTeamId: string): Promise<PushSubscription[]> {
    return this.dataSource.getRepository(PushSubscription).find({ where: { homeCareTeamId } });
  }

  /** The push service said the subscription is gone (404/410). */
  async removeExpired(id: string): Promise<void> {
    await this.dataSource.getRepository(PushSubscription).delete({ id });
  }
}
