// Grants with the AWS SDK for JavaScript v3 against trentd: CreateGrant, ListGrants (and its
// paginator), RetireGrant with a token, RevokeGrant, and a grant token the SDK carries in
// GrantTokens. Run by with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CreateGrantCommand, DescribeKeyCommand, ListGrantsCommand, RetireGrantCommand,
  RevokeGrantCommand, paginateListGrants,
} from '@aws-sdk/client-kms';

import { client, newKey, rejectsWith } from './common.mjs';

const GRANTEE = 'arn:aws:iam::111122223333:user/alice';

async function grantsOf(KeyId) {
  return (await client.send(new ListGrantsCommand({ KeyId }))).Grants;
}

test('create, list, revoke', async () => {
  const md = await newKey();
  const created = await client.send(new CreateGrantCommand({
    KeyId: md.KeyId, GranteePrincipal: GRANTEE, Operations: ['Encrypt', 'Decrypt'],
    Name: 'js-grant', Constraints: { EncryptionContextSubset: { app: 'js' } },
  }));
  assert.match(created.GrantId, /^[0-9a-f]{64}$/);
  const [entry] = await grantsOf(md.KeyId);
  assert.equal(entry.GrantId, created.GrantId);
  assert.equal(entry.KeyId, md.Arn);
  assert.equal(entry.Name, 'js-grant');
  assert.equal(entry.GranteePrincipal, GRANTEE);
  assert.deepEqual(entry.Operations, ['Encrypt', 'Decrypt']);
  assert.deepEqual(entry.Constraints, { EncryptionContextSubset: { app: 'js' } });
  assert.ok(entry.CreationDate instanceof Date);
  await client.send(new DescribeKeyCommand({ KeyId: md.KeyId, GrantTokens: [created.GrantToken] }));
  await client.send(new RevokeGrantCommand({ KeyId: md.KeyId, GrantId: created.GrantId }));
  assert.deepEqual(await grantsOf(md.KeyId), []);
  await rejectsWith(client.send(new RevokeGrantCommand({ KeyId: md.KeyId, GrantId: created.GrantId })),
    'NotFoundException');
});

test('paginated listing and retiring by token', async () => {
  const md = await newKey();
  const created = [];
  for (let i = 0; i < 5; i += 1) {
    created.push(await client.send(new CreateGrantCommand({
      KeyId: md.Arn, GranteePrincipal: GRANTEE, Operations: ['GenerateDataKey'],
    })));
  }
  const seen = [];
  for await (const page of paginateListGrants({ client, pageSize: 2 }, { KeyId: md.KeyId })) {
    assert.ok(page.Grants.length <= 2);
    seen.push(...page.Grants.map((g) => g.GrantId));
  }
  assert.deepEqual(seen, created.map((c) => c.GrantId));
  await client.send(new RetireGrantCommand({ GrantToken: created[0].GrantToken }));
  assert.equal((await grantsOf(md.KeyId)).length, 4);
});

test('errors', async () => {
  const md = await newKey();
  await rejectsWith(client.send(new CreateGrantCommand({
    KeyId: md.KeyId, GranteePrincipal: GRANTEE, Operations: ['Sign'],
  })), 'ValidationException');
  await rejectsWith(client.send(new DescribeKeyCommand({ KeyId: md.KeyId, GrantTokens: ['bogus'] })),
    'InvalidGrantTokenException',
    'The request was rejected because the specified grant token is not valid.');
});
