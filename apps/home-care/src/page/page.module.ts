import { Module } from '@nestjs/common';
import { PageController } from './page.controller';

/** The phone page at / (static files). */
@Module({ controllers: [PageController] })
export class PageModule {}
