export { PrivateRedis, ping, type PrivateRedisOptions } from './private-redis.js';
