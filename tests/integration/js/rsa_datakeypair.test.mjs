// RSA encryption and data key pairs with the AWS SDK for JavaScript v3 against trentd, checked
// with node:crypto (OpenSSL). Run by with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import {
  constants, createPrivateKey, createPublicKey, publicEncrypt, randomBytes, sign, verify,
} from 'node:crypto';
import { test } from 'node:test';

import {
  DecryptCommand, EncryptCommand, GenerateDataKeyPairCommand, GetPublicKeyCommand,
} from '@aws-sdk/client-kms';

import { client, newKey, rejectsWith } from './common.mjs';

const der = (key, type) => key.export({ format: 'der', type });

test('a ciphertext made with node:crypto from GetPublicKey decrypts in trent', async () => {
  const md = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
  const { PublicKey } = await client.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
  const publicKey = createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' });
  assert.equal(publicKey.asymmetricKeyType, 'rsa');
  const plaintext = randomBytes(190);  // AWS's limit for RSA_2048 with OAEP SHA-256
  const ciphertext = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plaintext);
  const out = await client.send(new DecryptCommand({
    KeyId: md.KeyId, CiphertextBlob: ciphertext, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
  }));
  assert.equal(out.KeyId, md.Arn);
  assert.equal(out.EncryptionAlgorithm, 'RSAES_OAEP_SHA_256');
  assert.deepEqual(Buffer.from(out.Plaintext), plaintext);

  // With the other OAEP hash it does not decrypt (no message, as AWS).
  await rejectsWith(client.send(new DecryptCommand({
    KeyId: md.KeyId, CiphertextBlob: ciphertext, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
  })), 'InvalidCiphertextException');
});

test('Encrypt with an RSA key returns the raw OAEP ciphertext', async () => {
  const md = await newKey({ KeySpec: 'RSA_3072', KeyUsage: 'ENCRYPT_DECRYPT' });
  const enc = await client.send(new EncryptCommand({
    KeyId: md.KeyId, Plaintext: Buffer.from('from js'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
  }));
  assert.equal(enc.CiphertextBlob.length, 384);
  assert.equal(enc.EncryptionAlgorithm, 'RSAES_OAEP_SHA_1');
  const dec = await client.send(new DecryptCommand({
    KeyId: md.Arn, CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
  }));
  assert.equal(Buffer.from(dec.Plaintext).toString(), 'from js');
  await rejectsWith(client.send(new EncryptCommand({
    KeyId: md.KeyId, Plaintext: Buffer.from('x'),
  })), 'InvalidKeyUsageException',
  'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_3072.');
});

test('GenerateDataKeyPair ECC_NIST_P256: the private key matches the public key', async () => {
  const md = await newKey();
  const context = { sdk: 'js-v3' };
  const out = await client.send(new GenerateDataKeyPairCommand({
    KeyId: md.KeyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: context,
  }));
  assert.equal(out.KeyId, md.Arn);
  assert.equal(out.KeyPairSpec, 'ECC_NIST_P256');
  const privateKey = createPrivateKey({
    key: Buffer.from(out.PrivateKeyPlaintext), format: 'der', type: 'pkcs8',
  });
  assert.equal(privateKey.asymmetricKeyType, 'ec');
  assert.equal(privateKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
  const publicKey = createPublicKey({
    key: Buffer.from(out.PublicKey), format: 'der', type: 'spki',
  });
  assert.deepEqual(der(createPublicKey(privateKey), 'spki'), Buffer.from(out.PublicKey));
  const message = Buffer.from('signed with a data key pair');
  const signature = sign('sha256', message, privateKey);
  assert.ok(verify('sha256', message, publicKey, signature));
  assert.ok(!verify('sha256', Buffer.from('another message'), publicKey, signature));

  const dec = await client.send(new DecryptCommand({
    CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: context,
  }));
  assert.deepEqual(Buffer.from(dec.Plaintext), Buffer.from(out.PrivateKeyPlaintext));
  await rejectsWith(client.send(new DecryptCommand({
    CiphertextBlob: out.PrivateKeyCiphertextBlob,
  })), 'InvalidCiphertextException');
});
