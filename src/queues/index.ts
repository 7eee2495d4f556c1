export { PrivateRedis, ping, type PrivateRedisOptions } from './private-redis.js';
export {
  assertHandlersComplete,
  jobOptions,
  JobName,
  personJobIdPrefix,
  QUEUE_NAME,
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobPayloads,
  type JobResults,
} from './job-catalog.js';
export {
  connectionFromUrl,
  JobQueue,
  type JobQueueOptions,
  type JobState,
  type JobView,
} from './job-queue.js';
