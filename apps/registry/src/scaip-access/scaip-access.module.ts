import { Module } from '@nestjs/common';
import { BrokerAccessModule } from '../broker-access/broker-access.module';
import { ScaipCredentialsController } from './scaip-credentials.controller';

/** What the SCAIP gateway asks the registry directly: units' digest credentials. */
@Module({
  imports: [BrokerAccessModule],
  controllers: [ScaipCredentialsController],
})
export class ScaipAccessModule {}
