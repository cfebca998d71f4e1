// The AWS SDK for JavaScript v3 (@aws-sdk/client-kms) against trentd: key rotation (enable,
// disable, status, on demand, the list with its paginator) and its errors. Run by
// with_trentd.py, which sets TRENT_ENDPOINT.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DecryptCommand, DescribeKeyCommand, DisableKeyCommand, DisableKeyRotationCommand,
  EnableKeyRotationCommand, EncryptCommand, GetKeyRotationStatusCommand, ListKeyRotationsCommand,
  ReEncryptCommand, RotateKeyOnDemandCommand, ScheduleKeyDeletionCommand,
  paginateListKeyRotations,
} from '@aws-sdk/client-kms';

import { client, newKey, rejectsWith } from './common.mjs';

const DAY = 24 * 60 * 60 * 1000;

async function listAll(KeyId, extra = {}, pageSize = undefined) {
  const out = [];
  for await (const page of paginateListKeyRotations({ client, pageSize }, { KeyId, ...extra })) {
    out.push(...page.Rotations);
  }
  return out;
}

test('enable, status, disable', async () => {
  const key = await newKey();
  let status = await client.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
  assert.equal(status.KeyRotationEnabled, false);
  assert.equal(status.KeyId, key.Arn);
  assert.equal(status.NextRotationDate, undefined);

  const before = Date.now();
  await client.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 120 }));
  status = await client.send(new GetKeyRotationStatusCommand({ KeyId: key.Arn }));
  assert.equal(status.KeyRotationEnabled, true);
  assert.equal(status.RotationPeriodInDays, 120);
  assert.ok(status.NextRotationDate instanceof Date);
  assert.ok(Math.abs(status.NextRotationDate.getTime() - (before + 120 * DAY)) < 60_000);

  await client.send(new DisableKeyRotationCommand({ KeyId: key.KeyId }));
  status = await client.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
  assert.equal(status.KeyRotationEnabled, false);
  assert.equal(status.RotationPeriodInDays, undefined);
});

test('on-demand rotations: every material decrypts, ReEncrypt moves to the current one', async () => {
  const key = await newKey();
  const materials = [key.CurrentKeyMaterialId];
  const blobs = [];
  for (let i = 0; i < 3; i++) {
    const plaintext = new TextEncoder().encode(`js ${i}`);
    const enc = await client.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext }));
    blobs.push({ blob: enc.CiphertextBlob, plaintext, material: materials.at(-1) });
    const out = await client.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    assert.equal(out.KeyId, key.Arn);
    const md = (await client.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata;
    assert.ok(!materials.includes(md.CurrentKeyMaterialId));
    materials.push(md.CurrentKeyMaterialId);
  }
  for (const { blob, plaintext, material } of blobs) {
    const dec = await client.send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.deepEqual(dec.Plaintext, plaintext);
    assert.equal(dec.KeyMaterialId, material);
    const moved = await client.send(
      new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: key.KeyId }));
    assert.equal(moved.DestinationKeyMaterialId, materials.at(-1));
    const again = await client.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }));
    assert.equal(again.KeyMaterialId, materials.at(-1));
  }

  const rotations = await listAll(key.KeyId, {}, 1);
  assert.deepEqual(rotations.map((r) => r.KeyMaterialId), materials.slice(1));
  assert.deepEqual(rotations.map((r) => r.RotationType), ['ON_DEMAND', 'ON_DEMAND', 'ON_DEMAND']);
  assert.deepEqual(rotations.map((r) => r.KeyMaterialState), ['NON_CURRENT', 'NON_CURRENT', 'CURRENT']);
  assert.ok(rotations.every((r) => r.RotationDate instanceof Date && r.KeyId === key.Arn));
  const all = await listAll(key.KeyId, { IncludeKeyMaterial: 'ALL_KEY_MATERIAL' });
  assert.deepEqual(all.map((r) => r.KeyMaterialId), materials);
  assert.equal(all[0].RotationType, undefined);

  const page = await client.send(new ListKeyRotationsCommand({ KeyId: key.KeyId, Limit: 2 }));
  assert.equal(page.Rotations.length, 2);
  assert.equal(page.Truncated, true);
  const rest = await client.send(
    new ListKeyRotationsCommand({ KeyId: key.KeyId, Limit: 2, Marker: page.NextMarker }));
  assert.deepEqual(rest.Rotations.map((r) => r.KeyMaterialId), materials.slice(3));
  assert.equal(rest.Truncated, false);
});

test('errors', async () => {
  const key = await newKey();
  await rejectsWith(client.send(new ListKeyRotationsCommand({ KeyId: key.KeyId, Marker: 'x' })),
    'InvalidMarkerException');
  await rejectsWith(client.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 3000 })),
    'ValidationException');
  await rejectsWith(client.send(new RotateKeyOnDemandCommand({ KeyId: 'alias/aws/s3' })),
    'NotFoundException');
  const managed = (await client.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata;
  await rejectsWith(client.send(new EnableKeyRotationCommand({ KeyId: managed.KeyId })),
    'AccessDeniedException');
  const status = await client.send(new GetKeyRotationStatusCommand({ KeyId: managed.KeyId }));
  assert.equal(status.KeyRotationEnabled, true);
  assert.equal(status.RotationPeriodInDays, 365);

  await client.send(new DisableKeyCommand({ KeyId: key.KeyId }));
  const disabled = await rejectsWith(
    client.send(new EnableKeyRotationCommand({ KeyId: key.KeyId })), 'DisabledException');
  assert.equal(disabled.message, `${key.Arn} is disabled.`);
  await client.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
  const pending = await rejectsWith(
    client.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId })), 'KMSInvalidStateException');
  assert.equal(pending.message, `${key.Arn} is pending deletion.`);
});
