import { Module } from '@nestjs/common';
import { PositionsRepository } from './positions.repository';

/** The GPS trail: written by the position rules, read by the alarm queries and the live stream. */
@Module({ providers: [PositionsRepository], exports: [PositionsRepository] })
export class PositionsModule {}
