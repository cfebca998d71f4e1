// GenerateMac, VerifyMac and DeriveSharedSecret with @aws-sdk/client-kms; ECDH secrets checked
// against node:crypto (OpenSSL). Run by with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { ECDH, createECDH, createPublicKey, randomBytes } from 'node:crypto';
import { test } from 'node:test';

import {
  DeriveSharedSecretCommand, GenerateMacCommand, GetPublicKeyCommand, VerifyMacCommand,
} from '@aws-sdk/client-kms';

import { client, newKey, rejectsWith } from './common.mjs';

const HMAC = {
  HMAC_224: ['HMAC_SHA_224', 28],
  HMAC_256: ['HMAC_SHA_256', 32],
  HMAC_384: ['HMAC_SHA_384', 48],
  HMAC_512: ['HMAC_SHA_512', 64],
};

// KeySpec -> [OpenSSL curve name, JWK crv, field size in bytes]
const CURVES = {
  ECC_NIST_P256: ['prime256v1', 'P-256', 32],
  ECC_NIST_P384: ['secp384r1', 'P-384', 48],
  ECC_NIST_P521: ['secp521r1', 'P-521', 66],
};

const b64url = (b) => Buffer.from(b).toString('base64url');

// The DER SubjectPublicKeyInfo of an uncompressed point.
function spkiOf(curve, point) {
  const [, crv, size] = CURVES[curve];
  const jwk = { kty: 'EC', crv, x: b64url(point.subarray(1, 1 + size)), y: b64url(point.subarray(1 + size)) };
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

async function mac(key, message, algorithm) {
  const out = await client.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: message, MacAlgorithm: algorithm }));
  assert.equal(out.KeyId, key.Arn);
  assert.equal(out.MacAlgorithm, algorithm);
  return Buffer.from(out.Mac);
}

const verify = (key, message, algorithm, m) =>
  client.send(new VerifyMacCommand({ KeyId: key.KeyId, Message: message, MacAlgorithm: algorithm, Mac: m }));

test('GenerateMac and VerifyMac for every HMAC spec', async () => {
  for (const [spec, [algorithm, size]] of Object.entries(HMAC)) {
    const key = await newKey({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC' });
    const other = await newKey({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC' });
    const message = randomBytes(200);
    const m = await mac(key, message, algorithm);
    assert.equal(m.length, size, spec);
    assert.deepEqual(await mac(key, message, algorithm), m, 'deterministic');
    const out = await verify(key, message, algorithm, m);
    assert.equal(out.MacValid, true);
    assert.equal(out.KeyId, key.Arn);
    assert.equal(out.MacAlgorithm, algorithm);

    const altered = Buffer.from(m);
    altered[size - 1] ^= 1;
    const alteredMessage = Buffer.from(message);
    alteredMessage[0] ^= 1;
    for (const [msg, bad] of [[message, altered], [alteredMessage, m], [message, m.subarray(0, 16)],
      [message, await mac(other, message, algorithm)]]) {
      const err = await rejectsWith(verify(key, msg, algorithm, bad), 'KMSInvalidMacException');
      // The SDK's text when AWS sends no message: 'Unknown' in the pinned SDK, 'UnknownError' in
      // newer ones.
      assert.ok(['Unknown', 'UnknownError'].includes(err.message), err.message);
    }
    const wrong = spec === 'HMAC_256' ? 'HMAC_SHA_512' : 'HMAC_SHA_256';
    await rejectsWith(client.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: message, MacAlgorithm: wrong })),
      'InvalidKeyUsageException', `Algorithm ${wrong} is incompatible with key spec ${spec}.`);
  }
});

test('GenerateMac with a key of another usage', async () => {
  const key = await newKey();
  await rejectsWith(client.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' })),
    'InvalidKeyUsageException', `${key.Arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.`);
});

// The KMS key's public point, from ECDH with the generator (private scalar 1): the x coordinate
// of the key's point, whose y sign ECDH does not depend on. GetPublicKey, when trentd has it,
// must agree.
async function kmsPoint(key, curve) {
  const [name, , size] = CURVES[curve];
  const one = createECDH(name);
  const scalar = Buffer.alloc(size);
  scalar[size - 1] = 1;
  one.setPrivateKey(scalar);
  const x = Buffer.from((await derive(key, spkiOf(curve, one.getPublicKey()))).SharedSecret);
  const point = ECDH.convertKey(Buffer.concat([Buffer.from([2]), x]), name, undefined, undefined,
    'uncompressed');
  try {
    const pub = await client.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));
    const jwk = createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    assert.deepEqual(Buffer.from(jwk.x, 'base64url'), x);
  } catch (e) {
    if (e.name !== 'UnsupportedOperationException') throw e;
  }
  return point;
}

const derive = (key, publicKey) =>
  client.send(new DeriveSharedSecretCommand({ KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: publicKey }));

test('DeriveSharedSecret equals node:crypto ECDH', async () => {
  for (const [curve, [name, , size]] of Object.entries(CURVES)) {
    const key = await newKey({ KeySpec: curve, KeyUsage: 'KEY_AGREEMENT' });
    const point = await kmsPoint(key, curve);
    for (let i = 0; i < 3; i++) {
      const peer = createECDH(name);
      peer.generateKeys();
      const out = await derive(key, spkiOf(curve, peer.getPublicKey()));
      assert.equal(out.KeyId, key.Arn);
      assert.equal(out.KeyAgreementAlgorithm, 'ECDH');
      assert.equal(out.KeyOrigin, 'AWS_KMS');
      const secret = Buffer.from(out.SharedSecret);
      assert.equal(secret.length, size, curve);
      assert.deepEqual(secret, peer.computeSecret(point), curve);
    }
  }
});

test('DeriveSharedSecret refuses unusable public keys and other usages', async () => {
  const key = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
  const p384 = createECDH('secp384r1');
  p384.generateKeys();
  for (const bad of [Buffer.from('InvalidPublicKey'), spkiOf('ECC_NIST_P384', p384.getPublicKey())]) {
    const err = await rejectsWith(derive(key, bad), 'ValidationException');
    // No message on the wire: the SDK's text for an error type its model lacks.
    assert.equal(err.message, 'UnknownError');
  }
  const signing = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const peer = createECDH('prime256v1');
  peer.generateKeys();
  await rejectsWith(derive(signing, spkiOf('ECC_NIST_P256', peer.getPublicKey())), 'InvalidKeyUsageException',
    `${signing.Arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.`);
});
