import { Module } from '@nestjs/common';
import { HandlingLogRepository } from './handling-log.repository';

@Module({ providers: [HandlingLogRepository], exports: [HandlingLogRepository] })
export class HandlingLogModule {}
