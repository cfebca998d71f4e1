// Key policies, conditions and grants enforced, with the AWS SDK for JavaScript v3 and two
// identities (access.credentials.yaml, passed by with_trentd.py --credentials-file).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CreateGrantCommand, DecryptCommand, EncryptCommand, KMSClient, RevokeGrantCommand,
} from '@aws-sdk/client-kms';

import { endpoint, newKey, rejectsWith } from './common.mjs';

const ROOT = 'arn:aws:iam::111122223333:root';
const ALICE = 'arn:aws:iam::111122223333:user/alice';
const BOB = 'arn:aws:iam::111122223333:user/bob';

function kmsAs(accessKeyId, secretAccessKey) {
  return new KMSClient({
    endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId, secretAccessKey },
  });
}
const alice = kmsAs('AKIAALICE0000000000', 'alice-secret');
const bob = kmsAs('AKIABOB00000000000', 'bob-secret');

function keyPolicy(...statements) {
  const admin = {
    Effect: 'Allow', Principal: { AWS: ROOT }, Resource: '*',
    Action: ['kms:PutKeyPolicy', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:RevokeGrant'],
  };
  return JSON.stringify({ Version: '2012-10-17', Statement: [admin, ...statements] });
}

function deniedMessage(principal, action, arn, explicit = false) {
  const start = `User: ${principal} is not authorized to perform: ${action} on resource: ${arn}`;
  return explicit ? `${start} with an explicit deny in a resource-based policy`
    : `${start} because no resource-based policy allows the ${action} action`;
}

const plaintext = Buffer.from('access');

test('the default key policy lets every identity of the account use the key', async () => {
  const key = await newKey();
  const { CiphertextBlob } = await alice.send(
    new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext }));
  const { Plaintext } = await bob.send(new DecryptCommand({ CiphertextBlob }));
  assert.deepEqual(Buffer.from(Plaintext), plaintext);
});

test('a policy naming bob refuses alice; an explicit deny refuses bob', async () => {
  const key = await newKey({
    Policy: keyPolicy(
      { Effect: 'Allow', Principal: { AWS: BOB }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: BOB }, Action: 'kms:Decrypt', Resource: '*' }),
  });
  await rejectsWith(alice.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext })),
    'AccessDeniedException', deniedMessage(ALICE, 'kms:Encrypt', key.Arn));
  const { CiphertextBlob } = await bob.send(
    new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext }));
  await rejectsWith(bob.send(new DecryptCommand({ CiphertextBlob })),
    'AccessDeniedException', deniedMessage(BOB, 'kms:Decrypt', key.Arn, true));
});

test('an encryption-context condition', async () => {
  const key = await newKey({
    Policy: keyPolicy({
      Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:Encrypt', Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'a' } },
    }),
  });
  await alice.send(new EncryptCommand({
    KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { tenant: 'a' },
  }));
  await rejectsWith(alice.send(new EncryptCommand({
    KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { tenant: 'b' },
  })), 'AccessDeniedException', deniedMessage(ALICE, 'kms:Encrypt', key.Arn));
});

test('a grant gives bob what it lists until it is revoked', async () => {
  const key = await newKey({
    Policy: keyPolicy({ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }),
  });
  const encrypt = () => bob.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext }));
  await rejectsWith(encrypt(), 'AccessDeniedException', deniedMessage(BOB, 'kms:Encrypt', key.Arn));
  const grant = await alice.send(new CreateGrantCommand({
    KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'],
  }));
  const { CiphertextBlob } = await encrypt();
  await rejectsWith(bob.send(new DecryptCommand({ CiphertextBlob })), 'AccessDeniedException',
    deniedMessage(BOB, 'kms:Decrypt', key.Arn));
  await alice.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId: grant.GrantId }));
  await rejectsWith(encrypt(), 'AccessDeniedException', deniedMessage(BOB, 'kms:Encrypt', key.Arn));
});
