// The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) with a KmsKeyringNode whose
// KMS clients point at trentd. Run by with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import {
  buildClient, CommitmentPolicy, getClient, KmsKeyringNode,
} from '@aws-crypto/client-node';
import { CreateKeyCommand, KMS, KMSClient } from '@aws-sdk/client-kms';

const endpoint = process.env.TRENT_ENDPOINT;
assert.ok(endpoint, 'TRENT_ENDPOINT is not set: run through with_trentd.py');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

// The keyring asks for a client per region (taken from the key ARN); every one goes to trentd.
const clientProvider = getClient(KMS, { endpoint, credentials, maxAttempts: 1 });
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

async function newKeyArn() {
  const kms = new KMSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const out = await kms.send(new CreateKeyCommand({ Description: 'encryption sdk' }));
  return out.KeyMetadata.Arn;
}

const context = { stage: 'integration', purpose: 'trent', 'non-ascii': 'h\u00e9llo' };

test('encrypt and decrypt 1 MB with an encryption context', async () => {
  const generatorKeyId = await newKeyArn();
  const keyring = new KmsKeyringNode({ clientProvider, generatorKeyId });
  const plaintext = randomBytes(1024 * 1024);

  const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: context });
  assert.equal(messageHeader.encryptedDataKeys.length, 1);
  assert.equal(messageHeader.encryptedDataKeys[0].providerId, 'aws-kms');
  assert.equal(messageHeader.encryptedDataKeys[0].providerInfo, generatorKeyId);

  const { plaintext: back, messageHeader: header } = await decrypt(keyring, result);
  assert.ok(Buffer.from(back).equals(plaintext), 'decrypted bytes differ');
  for (const [k, v] of Object.entries(context)) {
    assert.equal(header.encryptionContext[k], v, `context ${k} not returned`);
  }

  // A message altered in its body does not decrypt.
  const altered = Buffer.from(result);
  altered[altered.length - 100] ^= 1;
  await assert.rejects(decrypt(keyring, altered));
});

test('a keyring of two keys: either key alone decrypts', async () => {
  const generatorKeyId = await newKeyArn();
  const secondKeyId = await newKeyArn();
  const both = new KmsKeyringNode({ clientProvider, generatorKeyId, keyIds: [secondKeyId] });
  const plaintext = randomBytes(1024 * 1024);

  const { result, messageHeader } = await encrypt(both, plaintext, { encryptionContext: context });
  assert.deepEqual(messageHeader.encryptedDataKeys.map((k) => k.providerInfo),
    [generatorKeyId, secondKeyId]);

  const onlySecond = new KmsKeyringNode({ clientProvider, keyIds: [secondKeyId] });
  const viaSecond = await decrypt(onlySecond, result);
  assert.ok(Buffer.from(viaSecond.plaintext).equals(plaintext));
  assert.equal(viaSecond.messageHeader.encryptionContext.stage, 'integration');

  const onlyFirst = new KmsKeyringNode({ clientProvider, generatorKeyId });
  const viaFirst = await decrypt(onlyFirst, result);
  assert.ok(Buffer.from(viaFirst.plaintext).equals(plaintext));

  // A keyring holding neither key cannot decrypt.
  const stranger = new KmsKeyringNode({ clientProvider, keyIds: [await newKeyArn()] });
  await assert.rejects(decrypt(stranger, result));
});
