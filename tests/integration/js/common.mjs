// What every JS test shares: a KMSClient pointed at the trentd that with_trentd.py started
// (TRENT_ENDPOINT), with dummy credentials and no retries, and the checks of AWS errors.
import assert from 'node:assert/strict';

import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';

export const endpoint = process.env.TRENT_ENDPOINT;
assert.ok(endpoint, 'TRENT_ENDPOINT is not set: run through with_trentd.py');

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export function kms(region = 'us-east-1') {
  return new KMSClient({ endpoint, region, credentials, maxAttempts: 1 });
}

// The us-east-1 client.
export const client = kms();

export async function newKey(input = {}, c = client) {
  return (await c.send(new CreateKeyCommand(input))).KeyMetadata;
}

// `promise` must fail with the AWS error `name` (HTTP 400, a request id), and `message` when
// given; returns the error.
export async function rejectsWith(promise, name, message) {
  const err = await promise.then(() => assert.fail(`expected ${name}`), (e) => e);
  assert.equal(err.name, name, `${err.name}: ${err.message}`);
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.ok(err.$metadata.requestId, 'no request id');
  if (message !== undefined) assert.equal(err.message, message);
  return err;
}
