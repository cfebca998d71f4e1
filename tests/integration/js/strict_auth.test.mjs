// SigV4 verification (trentd --auth strict) with the AWS SDK for JavaScript v3: run by
// with_trentd.py with --credentials-file strict_auth.credentials.yaml and --auth strict.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DecryptCommand, EncryptCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';

import { endpoint, newKey, rejectsWith } from './common.mjs';

function kmsAs(secretAccessKey, accessKeyId = 'AKIAALICE0000000000') {
  return new KMSClient({
    endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId, secretAccessKey },
  });
}

test('alice signs: CreateKey, Encrypt and Decrypt work in her account', async () => {
  const alice = kmsAs('alice-secret');
  const md = await newKey({}, alice);
  assert.equal(md.Arn.split(':')[4], '111111111111');
  const { CiphertextBlob } = await alice.send(
    new EncryptCommand({ KeyId: md.KeyId, Plaintext: Buffer.from('hello') }));
  const { Plaintext } = await alice.send(new DecryptCommand({ CiphertextBlob }));
  assert.equal(Buffer.from(Plaintext).toString(), 'hello');
});

test('a wrong secret: InvalidSignatureException', async () => {
  await rejectsWith(kmsAs('not-alice-secret').send(new ListKeysCommand({})),
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check ' +
    'your AWS Secret Access Key and signing method. Consult the service documentation for ' +
    'details.');
});

test('the dummy credentials of the other tests: UnrecognizedClientException', async () => {
  await rejectsWith(kmsAs('test', 'test').send(new ListKeysCommand({})),
    'UnrecognizedClientException', 'The security token included in the request is invalid.');
});
