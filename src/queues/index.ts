export { PrivateRedis, ping, type PrivateRedisOptions } from './private-redis.js';
export {
  assertHandlersComplete,
  JOB_SCHEDULES,
  jobOptions,
  JobName,
  personJobIdPrefix,
  QUEUE_NAME,
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobPayloads,
  type JobResults,
  type JobSchedule,
  type ScheduledJobName,
} from './job-catalog.js';
export {
  connectionFromUrl,
  JobQueue,
  type JobQueueOptions,
  type JobState,
  type ScheduleOptions,
  type JobView,
} from './job-queue.js';
