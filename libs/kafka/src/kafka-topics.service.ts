import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import type { ConfigResourceTypes } from 'kafkajs';
import { KAFKA_CLIENT, KAFKA_OPTIONS, type KafkaOptions } from './kafka.tokens';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Topic settings such as cleanup.policy=compact; also applied to a topic that exists without them. */
  configEntries?: { name: string; value: string }[];
}

/** kafkajs's configSource for a setting made on the topic itself (not a broker default). */
const DYNAMIC_TOPIC_CONFIG = 1;
/** ConfigResourceTypes.TOPIC; the enum is not among the names Node's ESM loader finds in kafkajs. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/**
 * Creates the topics a service needs when they are missing. Brokers run with
 * auto-creation off, so a typo in a topic name fails loudly instead of creating a new topic.
 * Replication follows the broker's default (1 locally, 3 in production).
 */
@Injectable()
export class KafkaTopicsService implements OnModuleInit {
  private readonly logger = new Logger(KafkaTopicsService.name);

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensure(this.options.topics);
  }

  async ensure(specs: TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.topic));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({ ...spec, replicationFactor: -1 })),
        });
        this.logger.log(`created topics ${missing.map((spec) => spec.topic).join(', ')}`);
      }
      const configured = specs.filter((spec) => existing.has(spec.topic) && spec.configEntries?.length);
      for (const spec of configured) await this.applyConfig(admin, spec);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A topic created earlier without its settings (by a tool, or before the setting was
   * declared) gets them now: a registry topic left on delete-by-age would lose devices.
   * AlterConfigs replaces every setting made on the topic, so the ones already there are kept.
   */
  private async applyConfig(admin: Admin, spec: TopicSpec): Promise<void> {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_RESOURCE, name: spec.topic }],
    });
    const current = new Map(
      described.resources[0].configEntries
        .filter((entry) => entry.configSource === DYNAMIC_TOPIC_CONFIG)
        .map((entry) => [entry.configName, entry.configValue] as const),
    );
    const wanted = spec.configEntries ?? [];
    if (wanted.every((entry) => current.get(entry.name) === entry.value)) return;
    for (const entry of wanted) current.set(entry.name, entry.value);
    const configEntries = [...current].map(([name, value]) => ({ name, value }));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC_RESOURCE, name: spec.topic, configEntries }],
    });
    this.logger.log(
      `set ${wanted.map((entry) => `${entry.name}=${entry.value}`).join(', ')} on existing topic ${spec.topic}`,
    );
  }
}
