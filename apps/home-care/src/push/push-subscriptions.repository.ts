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

  /**
   * One statement: a phone subscribing again for the same team (new keys, another nurse) updates
   * its row. False when the endpoint is subscribed for another team: that row is not taken over
   * (the phone drops its subscription and makes a new one, and the old endpoint answers 410).
   */
  async save(scope: TeamScope, subscription: NewPushSubscription): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO push_subscriptions (endpoint, p256dh, auth, home_care_team_id, nurse_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, nurse_id = EXCLUDED.nurse_id
       WHERE push_subscriptions.home_care_team_id = EXCLUDED.home_care_team_id
       RETURNING id`,
      [subscription.endpoint, subscription.p256dh, subscription.auth, scope.homeCareTeamId, subscription.nurseId],
    );
    return rows.length === 1;
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
