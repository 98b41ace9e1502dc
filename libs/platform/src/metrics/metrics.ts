import { Controller, Get, Header, Inject, Provider } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../access/public-route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The app's own Prometheus registry: one per app instance, so two apps in one process never clash. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

const metricToken = (name: string) => `metric:${name}`;

/** Injects a metric declared with counterProvider / histogramProvider. */
export const InjectMetric = (name: string) => Inject(metricToken(name));

export function registryProvider(service: string): Provider {
  return {
    provide: METRICS_REGISTRY,
    useFactory: () => {
      const registry = new Registry();
      registry.setDefaultLabels({ service });
      collectDefaultMetrics({ register: registry });
      return registry;
    },
  };
}

export function counterProvider(name: string, help: string, labelNames: string[] = []): Provider {
  return {
    provide: metricToken(name),
    inject: [METRICS_REGISTRY],
    useFactory: (registry: Registry) => new Counter({ name, help, labelNames, registers: [registry] }),
  };
}

export function histogramProvider(name: string, help: string, buckets: number[], labelNames: string[] = []): Provider {
  return {
    provide: metricToken(name),
    inject: [METRICS_REGISTRY],
    useFactory: (registry: Registry) => new Histogram({ name, help, buckets, labelNames, registers: [registry] }),
  };
}

export function gaugeProvider(name: string, help: string, labelNames: string[] = []): Provider {
  return {
    provide: metricToken(name),
    inject: [METRICS_REGISTRY],
    useFactory: (registry: Registry) => new Gauge({ name, help, labelNames, registers: [registry] }),
  };
}

/** Prometheus scrape endpoint (not part of the API document). */
@ApiExcludeController()
@Public()
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
