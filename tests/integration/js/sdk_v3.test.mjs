// The AWS SDK for JavaScript v3 (@aws-sdk/client-kms) against trentd, unchanged but for
// `endpoint`. Run by with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import {
  CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand,
  GenerateDataKeyCommand, GenerateRandomCommand, KMSInvalidStateException, ListKeysCommand,
  NotFoundException, ScheduleKeyDeletionCommand, paginateListKeys,
} from '@aws-sdk/client-kms';

import { client, kms, newKey, rejectsWith } from './common.mjs';


test('create and describe a key', async () => {
  const md = await newKey({ Description: 'js key', Tags: [{ TagKey: 'sdk', TagValue: 'js-v3' }] });
  assert.match(md.KeyId, /^[0-9a-f-]{36}$/);
  assert.equal(md.Arn, `arn:aws:kms:us-east-1:${md.AWSAccountId}:key/${md.KeyId}`);
  assert.ok(md.CreationDate instanceof Date);
  assert.equal(md.Enabled, true);
  assert.equal(md.KeyState, 'Enabled');
  assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
  assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
  assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);

  const { KeyMetadata: byArn } = await client.send(new DescribeKeyCommand({ KeyId: md.Arn }));
  assert.equal(byArn.KeyId, md.KeyId);
  assert.equal(byArn.Description, 'js key');
  assert.equal(byArn.CreationDate.getTime(), md.CreationDate.getTime());
});

test('encrypt and decrypt with an encryption context', async () => {
  const md = await newKey();
  const plaintext = randomBytes(500);
  const context = { app: 'js', purpose: 'test' };
  const enc = await client.send(new EncryptCommand({
    KeyId: md.KeyId, Plaintext: plaintext, EncryptionContext: context,
  }));
  assert.equal(enc.KeyId, md.Arn);
  assert.equal(enc.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  assert.ok(enc.CiphertextBlob instanceof Uint8Array);

  const dec = await client.send(new DecryptCommand({
    CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'test', app: 'js' },
  }));
  assert.deepEqual(Buffer.from(dec.Plaintext), plaintext);
  assert.equal(dec.KeyId, md.Arn);

  await rejectsWith(client.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
    'InvalidCiphertextException');
});

test('generate a data key and decrypt it', async () => {
  const md = await newKey();
  const dk = await client.send(new GenerateDataKeyCommand({ KeyId: md.Arn, KeySpec: 'AES_256' }));
  assert.equal(dk.Plaintext.length, 32);
  assert.equal(dk.KeyId, md.Arn);
  const dec = await client.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
  assert.deepEqual(Buffer.from(dec.Plaintext), Buffer.from(dk.Plaintext));

  const n = await client.send(new GenerateDataKeyCommand({ KeyId: md.KeyId, NumberOfBytes: 100 }));
  assert.equal(n.Plaintext.length, 100);
  await rejectsWith(client.send(new GenerateDataKeyCommand({ KeyId: md.KeyId })),
    'ValidationException');
});

test('list keys, one page and paginated', async () => {
  const made = [await newKey(), await newKey(), await newKey()];
  const page = await client.send(new ListKeysCommand({ Limit: 1 }));
  assert.equal(page.Keys.length, 1);
  assert.equal(page.Truncated, true);
  assert.ok(page.NextMarker);

  const seen = [];
  for await (const p of paginateListKeys({ client, pageSize: 2 }, {})) {
    seen.push(...p.Keys.map((k) => k.KeyId));
  }
  assert.equal(new Set(seen).size, seen.length, 'a key was listed twice');
  for (const k of made) assert.ok(seen.includes(k.KeyId), `${k.KeyId} not listed`);
});

test('errors are typed', async () => {
  const err = await rejectsWith(
    client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })),
    'NotFoundException');
  assert.ok(err instanceof NotFoundException);
  assert.match(err.message, /does not exist/);

  const md = await newKey();
  await client.send(new DisableKeyCommand({ KeyId: md.KeyId }));
  const disabled = await rejectsWith(
    client.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') })),
    'DisabledException');
  assert.equal(disabled.message, `${md.Arn} is disabled.`);

  const other = await newKey();
  const sched = await client.send(new ScheduleKeyDeletionCommand({
    KeyId: other.KeyId, PendingWindowInDays: 7,
  }));
  assert.equal(sched.KeyState, 'PendingDeletion');
  assert.ok(sched.DeletionDate instanceof Date);
  const pending = await rejectsWith(
    client.send(new EncryptCommand({ KeyId: other.KeyId, Plaintext: Buffer.from('x') })),
    'KMSInvalidStateException');
  assert.ok(pending instanceof KMSInvalidStateException);

  await rejectsWith(client.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })),
    'ValidationException');
  const rnd = await client.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
  assert.equal(rnd.Plaintext.length, 64);
});

test('another region sees its own keys only', async () => {
  const west = kms('us-west-2');
  const { KeyMetadata: md } = await west.send(new CreateKeyCommand({}));
  assert.match(md.Arn, /^arn:aws:kms:us-west-2:/);
  await rejectsWith(client.send(new DescribeKeyCommand({ KeyId: md.KeyId })), 'NotFoundException');
});
