// The AWS SDK for JavaScript v3 (@aws-sdk/client-kms) against trentd: aliases and AWS managed
// keys. Run by with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import {
  AlreadyExistsException, CreateAliasCommand, DecryptCommand, DeleteAliasCommand,
  DescribeKeyCommand, DisableKeyCommand, EncryptCommand, GenerateDataKeyCommand,
  KMSInvalidStateException, ListAliasesCommand, NotFoundException, ScheduleKeyDeletionCommand,
  UpdateAliasCommand, paginateListAliases,
} from '@aws-sdk/client-kms';

import { client, kms, newKey, rejectsWith } from './common.mjs';

const uniqueName = () => `alias/js-${randomUUID().slice(0, 8)}`;

async function listAll(input = {}, c = client, pageSize = undefined) {
  const out = [];
  for await (const page of paginateListAliases({ client: c, pageSize }, input)) {
    out.push(...page.Aliases);
  }
  return out;
}

test('create, use by name and ARN, retarget, delete', async () => {
  const first = await newKey();
  const second = await newKey();
  const name = uniqueName();
  const arn = `arn:aws:kms:us-east-1:${first.AWSAccountId}:${name}`;
  await client.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: first.KeyId }));

  const described = await client.send(new DescribeKeyCommand({ KeyId: arn }));
  assert.equal(described.KeyMetadata.KeyId, first.KeyId);
  const plaintext = new TextEncoder().encode('js alias');
  const old = await client.send(new EncryptCommand({ KeyId: name, Plaintext: plaintext }));
  assert.equal(old.KeyId, first.Arn);

  await client.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: second.Arn }));
  const fresh = await client.send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext }));
  assert.equal(fresh.KeyId, second.Arn);
  const dk = await client.send(new GenerateDataKeyCommand({ KeyId: name, KeySpec: 'AES_128' }));
  assert.equal(dk.KeyId, second.Arn);
  for (const [blob, keyArn] of [[old.CiphertextBlob, first.Arn], [fresh.CiphertextBlob, second.Arn]]) {
    const out = await client.send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.deepEqual(Buffer.from(out.Plaintext), Buffer.from(plaintext));
    assert.equal(out.KeyId, keyArn);
  }

  const entry = (await listAll()).find((a) => a.AliasName === name);
  assert.equal(entry.AliasArn, arn);
  assert.equal(entry.TargetKeyId, second.KeyId);
  assert.ok(entry.CreationDate instanceof Date);
  assert.ok(entry.LastUpdatedDate instanceof Date);
  assert.ok(entry.LastUpdatedDate >= entry.CreationDate);

  await client.send(new DeleteAliasCommand({ AliasName: name }));
  const err = await rejectsWith(client.send(new DescribeKeyCommand({ KeyId: name })),
    'NotFoundException');
  assert.ok(err instanceof NotFoundException);
  assert.equal(err.message, `Alias ${arn} is not found.`);
});

test('errors', async () => {
  const key = await newKey();
  const name = uniqueName();
  await client.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.KeyId }));
  const exists = await rejectsWith(
    client.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.KeyId })),
    'AlreadyExistsException');
  assert.ok(exists instanceof AlreadyExistsException);
  await rejectsWith(
    client.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: key.KeyId })),
    'NotAuthorizedException');
  await rejectsWith(
    client.send(new UpdateAliasCommand({ AliasName: uniqueName(), TargetKeyId: key.KeyId })),
    'NotFoundException');
  await rejectsWith(client.send(new DeleteAliasCommand({ AliasName: 'alias/aws/s3' })),
    'KMSInvalidStateException');
  await rejectsWith(client.send(new DisableKeyCommand({ KeyId: name })), 'NotFoundException');

  const doomed = await newKey();
  await client.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));
  const pending = await rejectsWith(
    client.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: doomed.KeyId })),
    'KMSInvalidStateException');
  assert.ok(pending instanceof KMSInvalidStateException);
  assert.equal(pending.message, `${doomed.Arn} is pending deletion.`);
});

test('paging with Limit and Marker', async () => {
  const key = await newKey();
  const names = Array.from({ length: 9 }, (_, i) => `alias/js-page-${String(i).padStart(2, '0')}`);
  for (const name of names) {
    await client.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.KeyId }));
  }
  const first = await client.send(new ListAliasesCommand({ KeyId: key.KeyId, Limit: 4 }));
  assert.equal(first.Aliases.length, 4);
  assert.equal(first.Truncated, true);
  const byKey = await listAll({ KeyId: key.Arn }, client, 4);
  assert.deepEqual(byKey.map((a) => a.AliasName), names);
  const everything = (await listAll({}, client, 3)).map((a) => a.AliasName);
  assert.deepEqual(everything, [...everything].sort());
  assert.ok(names.every((n) => everything.includes(n)));
});

test('AWS managed key created once on first use, listed before', async () => {
  const west = kms('eu-central-1');
  const before = (await listAll({}, west)).find((a) => a.AliasName === 'alias/aws/glue');
  assert.equal(before.TargetKeyId, undefined);
  const results = await Promise.all(Array.from({ length: 10 }, () => west
    .send(new DescribeKeyCommand({ KeyId: 'alias/aws/glue' })).then((o) => o.KeyMetadata.Arn)));
  assert.equal(new Set(results).size, 1);
  const md = (await west.send(new DescribeKeyCommand({ KeyId: 'alias/aws/glue' }))).KeyMetadata;
  assert.equal(md.KeyManager, 'AWS');
  assert.equal(md.Description,
    'Default key that protects my Glue data when no other key is defined');
  const after = (await listAll({}, west)).find((a) => a.AliasName === 'alias/aws/glue');
  assert.equal(after.TargetKeyId, md.KeyId);
  await rejectsWith(west.send(new DisableKeyCommand({ KeyId: md.KeyId })),
    'AccessDeniedException');
  // Its policy allows cryptography only through the AWS service (kms:ViaService).
  await rejectsWith(west.send(new EncryptCommand({ KeyId: 'alias/aws/glue',
    Plaintext: new Uint8Array([1]) })), 'AccessDeniedException');
});
