// Key policies with the AWS SDK for JavaScript v3 against trentd: GetKeyPolicy (the default
// policy), PutKeyPolicy round trips, the lockout safety check and its bypass, ListKeyPolicies.
// Run by with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  GetKeyPolicyCommand, ListKeyPoliciesCommand, PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';

import { client, newKey, rejectsWith } from './common.mjs';

const ROOT = 'arn:aws:iam::111122223333:root';
const LOCKOUT = 'The new key policy will not allow you to update the key policy in the future.';

function policyOf(principal, action) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: action, Resource: '*' }],
  });
}

test('a new key has the default key policy', async () => {
  const md = await newKey();
  const out = await client.send(new GetKeyPolicyCommand({ KeyId: md.KeyId, PolicyName: 'default' }));
  assert.equal(out.PolicyName, 'default');
  assert.ok(out.Policy.startsWith('{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",'));
  assert.deepEqual(JSON.parse(out.Policy).Statement, [{
    Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT },
    Action: 'kms:*', Resource: '*',
  }]);
});

test('put then get, by key id and key ARN', async () => {
  const md = await newKey();
  const policy = policyOf(ROOT, 'kms:*');
  await client.send(new PutKeyPolicyCommand({ KeyId: md.Arn, PolicyName: 'default', Policy: policy }));
  const out = await client.send(new GetKeyPolicyCommand({ KeyId: md.KeyId }));
  assert.equal(out.Policy, policy);
  const names = await client.send(new ListKeyPoliciesCommand({ KeyId: md.KeyId }));
  assert.deepEqual(names.PolicyNames, ['default']);
  assert.equal(names.Truncated, false);
});

test('the lockout safety check and its bypass', async () => {
  const md = await newKey();
  const readOnly = policyOf(ROOT, ['kms:Get*', 'kms:Describe*']);
  await rejectsWith(client.send(new PutKeyPolicyCommand({ KeyId: md.KeyId, Policy: readOnly })),
    'MalformedPolicyDocumentException', LOCKOUT);
  await rejectsWith(newKey({ Policy: readOnly }), 'MalformedPolicyDocumentException', LOCKOUT);
  await client.send(new PutKeyPolicyCommand({
    KeyId: md.KeyId, Policy: readOnly, BypassPolicyLockoutSafetyCheck: true,
  }));
  assert.equal((await client.send(new GetKeyPolicyCommand({ KeyId: md.KeyId }))).Policy, readOnly);
});

test('malformed policies and a wrong policy name', async () => {
  const md = await newKey();
  await rejectsWith(client.send(new PutKeyPolicyCommand({ KeyId: md.KeyId, Policy: 'not JSON' })),
    'MalformedPolicyDocumentException');
  await rejectsWith(client.send(new GetKeyPolicyCommand({ KeyId: md.KeyId, PolicyName: 'other' })),
    'NotFoundException', 'No such policy exists');
});
