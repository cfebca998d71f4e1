// Tags, descriptions and last usage with the AWS SDK for JavaScript v3 against trentd. Run by
// with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand, ListResourceTagsCommand, ReEncryptCommand,
  ScheduleKeyDeletionCommand, TagResourceCommand, UntagResourceCommand,
  UpdateKeyDescriptionCommand, paginateListResourceTags,
} from '@aws-sdk/client-kms';

import { client, endpoint, newKey, rejectsWith } from './common.mjs';


async function tagsOf(KeyId) {
  return (await client.send(new ListResourceTagsCommand({ KeyId }))).Tags;
}

// GetKeyLastUsage by hand (AWS JSON 1.1): this SDK version (3.967) predates the operation.
async function lastUsage(KeyId) {
  const resp = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.GetKeyLastUsage' },
    body: JSON.stringify({ KeyId }),
  });
  assert.equal(resp.status, 200);
  return resp.json();
}

test('tags on create, tag, overwrite, untag', async () => {
  const md = await newKey({ Tags: [{ TagKey: 'a', TagValue: '1' }] });
  await client.send(new TagResourceCommand({
    KeyId: md.Arn, Tags: [{ TagKey: 'b', TagValue: '2' }, { TagKey: 'a', TagValue: 'one' }],
  }));
  assert.deepEqual(await tagsOf(md.KeyId),
    [{ TagKey: 'a', TagValue: 'one' }, { TagKey: 'b', TagValue: '2' }]);
  await client.send(new UntagResourceCommand({ KeyId: md.KeyId, TagKeys: ['a', 'missing'] }));
  assert.deepEqual(await tagsOf(md.KeyId), [{ TagKey: 'b', TagValue: '2' }]);
});

test('paging across several pages', async () => {
  const md = await newKey();
  const tags = Array.from({ length: 17 }, (_, i) => ({ TagKey: `t${i}`, TagValue: `${i}` }));
  await client.send(new TagResourceCommand({ KeyId: md.KeyId, Tags: tags }));
  const seen = [];
  let pages = 0;
  for await (const page of paginateListResourceTags({ client, pageSize: 5 }, { KeyId: md.KeyId })) {
    assert.ok(page.Tags.length <= 5);
    seen.push(...page.Tags);
    pages += 1;
  }
  assert.equal(pages, 4);
  assert.deepEqual(seen, tags);
  await rejectsWith(client.send(new ListResourceTagsCommand({ KeyId: md.KeyId, Marker: 'x' })),
    'InvalidMarkerException');
});

test('tag errors', async () => {
  const md = await newKey();
  await rejectsWith(client.send(new TagResourceCommand({
    KeyId: md.KeyId, Tags: [{ TagKey: 'aws:reserved', TagValue: '' }],
  })), 'TagException', 'Tags beginning with aws: are reserved');
  await rejectsWith(client.send(new TagResourceCommand({
    KeyId: md.KeyId, Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: '' })),
  })), 'TagException', 'Too many tags');
  await rejectsWith(client.send(new TagResourceCommand({
    KeyId: 'alias/not-for-tags', Tags: [{ TagKey: 'a', TagValue: '' }],
  })), 'NotFoundException');
  await client.send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }));
  await rejectsWith(client.send(new UntagResourceCommand({ KeyId: md.KeyId, TagKeys: ['a'] })),
    'KMSInvalidStateException', `${md.Arn} is pending deletion.`);
  assert.deepEqual(await tagsOf(md.KeyId), []);
});

test('descriptions', async () => {
  const md = await newKey({ Description: 'first' });
  await client.send(new UpdateKeyDescriptionCommand({ KeyId: md.KeyId, Description: 'second' }));
  const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: md.Arn }));
  assert.equal(KeyMetadata.Description, 'second');
  await rejectsWith(client.send(new UpdateKeyDescriptionCommand({
    KeyId: '11111111-2222-3333-4444-555555555555', Description: 'x',
  })), 'NotFoundException');
});

test('last usage after each cryptographic operation', async () => {
  const md = await newKey();
  const other = await newKey();
  const fresh = await lastUsage(md.KeyId);
  assert.equal(fresh.KeyId, md.KeyId);
  assert.deepEqual(fresh.KeyLastUsage, {});
  assert.equal(fresh.KeyCreationDate * 1000, md.CreationDate.getTime());

  const check = async (keyId, operation, out) => {
    const used = (await lastUsage(keyId)).KeyLastUsage;
    assert.equal(used.Operation, operation);
    assert.equal(used.KmsRequestId, out.$metadata.requestId);
    assert.notEqual(used.CloudTrailEventId, out.$metadata.requestId);
    assert.match(used.CloudTrailEventId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  };
  const enc = await client.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('x') }));
  await check(md.KeyId, 'Encrypt', enc);
  await check(md.KeyId, 'Decrypt',
    await client.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })));
  await check(md.KeyId, 'GenerateDataKey',
    await client.send(new GenerateDataKeyCommand({ KeyId: md.KeyId, KeySpec: 'AES_256' })));
  const dk = await client.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: md.KeyId, KeySpec: 'AES_128' }));
  await check(md.KeyId, 'GenerateDataKeyWithoutPlaintext', dk);
  const re = await client.send(new ReEncryptCommand({
    CiphertextBlob: dk.CiphertextBlob, DestinationKeyId: other.KeyId,
  }));
  await check(md.KeyId, 'ReEncrypt', re);
  await check(other.KeyId, 'ReEncrypt', re);
});
