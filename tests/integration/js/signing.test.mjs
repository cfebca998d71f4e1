// Sign, Verify and GetPublicKey with the AWS SDK for JavaScript v3 against trentd, each signature
// checked with node:crypto (OpenSSL) against the public key GetPublicKey returns. Run by
// with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import { GetPublicKeyCommand, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';

import { client, newKey, rejectsWith } from './common.mjs';

async function publicKeyOf(md, algorithms) {
  const out = await client.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
  assert.equal(out.KeyId, md.Arn);
  assert.equal(out.KeySpec, md.KeySpec);
  assert.equal(out.CustomerMasterKeySpec, md.KeySpec);
  assert.equal(out.KeyUsage, 'SIGN_VERIFY');
  assert.deepEqual(out.SigningAlgorithms, algorithms);
  assert.equal(out.EncryptionAlgorithms, undefined);
  assert.equal(out.KeyAgreementAlgorithms, undefined);
  return crypto.createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
}

async function sign(md, Message, SigningAlgorithm, MessageType = 'RAW') {
  const out = await client.send(new SignCommand({
    KeyId: md.Arn, Message, SigningAlgorithm, MessageType,
  }));
  assert.equal(out.KeyId, md.Arn);
  assert.equal(out.SigningAlgorithm, SigningAlgorithm);
  return Buffer.from(out.Signature);
}

async function verifyInTrent(md, Message, Signature, SigningAlgorithm, MessageType = 'RAW') {
  return client.send(new VerifyCommand({
    KeyId: md.KeyId, Message, Signature, SigningAlgorithm, MessageType,
  }));
}

function altered(buf) {
  const out = Buffer.from(buf);
  out[out.length >> 1] ^= 1;
  return out;
}

test('ECDSA P-256: DER signatures verify with node:crypto, RAW and DIGEST', async () => {
  const md = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const publicKey = await publicKeyOf(md, ['ECDSA_SHA_256']);
  assert.equal(publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
  const message = crypto.randomBytes(300);
  const digest = crypto.createHash('sha256').update(message).digest();
  for (const [data, type] of [[message, 'RAW'], [digest, 'DIGEST']]) {
    const signature = await sign(md, data, 'ECDSA_SHA_256', type);
    assert.ok(crypto.verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature));
    const out = await verifyInTrent(md, data, signature, 'ECDSA_SHA_256', type);
    assert.equal(out.SignatureValid, true);
    assert.equal(out.KeyId, md.Arn);
    await rejectsWith(verifyInTrent(md, altered(data), signature, 'ECDSA_SHA_256', type),
      'KMSInvalidSignatureException');
    await rejectsWith(verifyInTrent(md, data, altered(signature), 'ECDSA_SHA_256', type),
      'KMSInvalidSignatureException');
  }
});

test('RSA PSS (salt = digest length) and PKCS#1 v1.5 verify with node:crypto', async () => {
  const md = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
  const publicKey = await publicKeyOf(md, [
    'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
    'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512']);
  assert.equal(publicKey.asymmetricKeyDetails.modulusLength, 2048);
  const message = Buffer.from('a JWT header and payload');
  for (const [bits, size] of [[256, 32], [384, 48], [512, 64]]) {
    const hash = `sha${bits}`;
    const pss = await sign(md, message, `RSASSA_PSS_SHA_${bits}`);
    assert.equal(pss.length, 256);
    assert.ok(crypto.verify(hash, message, {
      key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: size,
    }, pss), hash);
    assert.equal((await verifyInTrent(md, message, pss, `RSASSA_PSS_SHA_${bits}`)).SignatureValid,
      true);
    const digest = crypto.createHash(hash).update(message).digest();
    const pkcs1 = await sign(md, digest, `RSASSA_PKCS1_V1_5_SHA_${bits}`, 'DIGEST');
    assert.ok(crypto.verify(hash, message, {
      key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING,
    }, pkcs1), hash);
    await rejectsWith(verifyInTrent(md, message, altered(pkcs1), `RSASSA_PKCS1_V1_5_SHA_${bits}`),
      'KMSInvalidSignatureException');
  }
});

test('GetPublicKey of a symmetric key and a bad digest length', async () => {
  const symmetric = await newKey();
  await rejectsWith(client.send(new GetPublicKeyCommand({ KeyId: symmetric.KeyId })),
    'UnsupportedOperationException');
  const md = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  await rejectsWith(sign(md, Buffer.alloc(31), 'ECDSA_SHA_256', 'DIGEST'), 'ValidationException',
    'Digest is invalid length for algorithm ECDSA_SHA_256.');
});
