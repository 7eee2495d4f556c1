/**
 * The MongoDB store. The contract suite runs against it only where `MONGODB_URI` names a server
 * (a replica set: the store uses transactions); each test gets its own database, dropped at the
 * end. Without a server every contract test is reported as skipped, with the reason, and only the
 * factory's choice is checked.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { ErrorCode, isRollcallError } from '../../src/core/index.js';
import { createStore, MongoStore } from '../../src/store/index.js';
import { storeContract } from './store.contract.js';
import { tempDir } from '../support/temp.js';

const uri = process.env.MONGODB_URI;

const databases: string[] = [];
after(async () => {
  if (!uri || databases.length === 0) return;
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    for (const name of databases) await connection.useDb(name).dropDatabase();
  } finally {
    await connection.close();
  }
});
storeContract(
  'MongoStore',
  () => {
    if (!uri) throw new Error('unreachable: the suite is skipped without MONGODB_URI');
    const dbName = `rollcall_test_${randomUUID().replaceAll('-', '')}`;
    databases.push(dbName);
    return MongoStore.open({ uri, dbName });
  },
  uri ? {} : { skip: 'MONGODB_URI not set: the MongoDB adapter is unverified here' },
);

describe('createStore with MONGODB_URI', () => {
  it('opens MongoDB, and never falls back to SQLite when MongoDB cannot be reached', async () => {
    const dataDir = await tempDir('store-mongo');
    // Port 1 on loopback: nothing listens, so the connection is refused at once.
    await assert.rejects(
      createStore(
        { dataDir, mongodbUri: 'mongodb://127.0.0.1:1/rollcall' },
        { serverSelectionTimeoutMs: 500 },
      ),
      (error: unknown) => {
        assert.ok(isRollcallError(error, ErrorCode.StoreUnavailable), String(error));
        assert.match(error.message, /cannot open the MongoDB store \(rollcall\)/);
        return true;
      },
    );
    assert.deepEqual(await readdir(dataDir), [], 'no SQLite file was created');
  });
});
