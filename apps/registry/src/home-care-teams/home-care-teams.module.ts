import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { HomeCareTeamsController } from './home-care-teams.controller';
import { HomeCareTeamsService } from './home-care-teams.service';

@Module({ imports: [OutboxModule], controllers: [HomeCareTeamsController], providers: [HomeCareTeamsService] })
export class HomeCareTeamsModule {}
