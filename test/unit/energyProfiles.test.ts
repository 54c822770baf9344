// Hardware profiles: every built-in validates and sources every figure, missing figures say why,
// and each schema error path (missing field, wrong type, negative power, unknown id) names file and field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getProfile,
  listProfiles,
  loadProfiles,
  supportedPrecisions,
  UnknownProfileError,
  PRECISIONS,
  type Figure,
  type ProfileSet,
} from '../../server/src/core/energy';

const profilesDir = join(__dirname, '..', '..', 'profiles');
const builtin = loadProfiles({ profilesDir });

const REQUIRED_IDS = [
  'nvidia-h100-sxm',
  'nvidia-h100-pcie',
  'nvidia-h200',
  'nvidia-a100-80gb',
  'nvidia-l4',
  'nvidia-t4',
  'nvidia-rtx-4090',
  'nvidia-rtx-3060',
  'nvidia-jetson-orin-nano',
  'google-tpu-v4',
  'google-tpu-v5e',
  'apple-m2-gpu',
  'apple-m2-ane',
  'qualcomm-hexagon-8gen3',
  'intel-loihi2',
  'intel-xeon-8480',
  'amd-ryzen-7950x',
  'raspberry-pi-5',
];

/** Every Figure in a profile with its dotted path. */
function figures(obj: unknown, path = ''): [string, Figure][] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [];
  if ('value' in obj && 'source' in obj) return [[path, obj as Figure]];
  return Object.entries(obj).flatMap(([k, v]) => figures(v, path ? `${path}.${k}` : k));
}

/** A workspace holding one user profile with the given content; returns the loaded set. */
function withUserProfile(name: string, content: string): ProfileSet {
  const ws = mkdtempSync(join(tmpdir(), 'wattlens-ws-'));
  mkdirSync(join(ws, '.wattlens', 'profiles'), { recursive: true });
  writeFileSync(join(ws, '.wattlens', 'profiles', name), content);
  return loadProfiles({ profilesDir, workspaceDir: ws });
}

/** A valid user profile derived from the T4's, with a change applied. */
function t4Variant(change: (p: any) => void, id = 'my-gpu'): string {
  const p = JSON.parse(readFileSync(join(profilesDir, 'hardware', 'nvidia-t4.json'), 'utf8'));
  p.id = id;
  delete p.$schema;
  change(p);
  return JSON.stringify(p);
}

describe('built-in profiles', () => {
  it('all validate, and every id the issue lists is there', () => {
    assert.deepEqual(
      builtin.errors.map((e) => e.message),
      [],
    );
    for (const id of REQUIRED_IDS) assert.ok(builtin.profiles.has(id), id);
    assert.equal(listProfiles(builtin).length, REQUIRED_IDS.length);
  });

  it('every figure carries a source and a confidence; derived and assumed ones explain themselves', () => {
    for (const p of listProfiles(builtin)) {
      const figs = figures(p);
      assert.ok(figs.length >= 4, p.id);
      for (const [path, f] of figs) {
        assert.ok(f.source.length > 10, `${p.id} ${path}: source`);
        if (f.confidence === 'derived' || f.confidence === 'assumed') assert.ok(f.note, `${p.id} ${path}: note`);
      }
    }
  });

  it('every missing figure of the model is explained in `absent`', () => {
    for (const p of listProfiles(builtin)) {
      const expected = [
        ...PRECISIONS.map((x) => `peak.${x}`),
        'memory.bandwidthGBps',
        'memory.sizeGB',
        'power.maxW',
        'power.idleW',
      ];
      for (const key of expected) {
        const [group, field] = key.split('.');
        const present = (p as any)[group][field] !== undefined;
        assert.ok(present || p.absent?.[key], `${p.id}: ${key} is neither given nor explained`);
      }
    }
  });

  it("keeps the reference CSV's unconfirmed figures marked unconfirmed", () => {
    assert.equal(getProfile(builtin, 'google-tpu-v5e').power.maxW?.confidence, 'unconfirmed');
    assert.equal(getProfile(builtin, 'apple-m2-ane').peak.int8?.confidence, 'unconfirmed');
    assert.equal(getProfile(builtin, 'qualcomm-hexagon-8gen3').peak.int8?.confidence, 'unconfirmed');
    assert.equal(getProfile(builtin, 'nvidia-l4').peak.fp16?.confidence, 'derived');
  });

  it('lists supported precisions per device', () => {
    assert.deepEqual(supportedPrecisions(getProfile(builtin, 'nvidia-t4')), ['fp32', 'fp16', 'int8']);
    assert.deepEqual(supportedPrecisions(getProfile(builtin, 'google-tpu-v4')), ['bf16', 'int8']);
    assert.deepEqual(supportedPrecisions(getProfile(builtin, 'nvidia-h100-sxm')), [...PRECISIONS]);
  });
});

describe('profile errors name the file, the field and what was expected', () => {
  it('missing field', () => {
    const set = withUserProfile(
      'my-gpu.json',
      t4Variant((p) => delete p.memory),
    );
    assert.equal(set.errors.length, 1);
    assert.match(set.errors[0].message, /my-gpu\.json: memory: a required field, missing$/);
    assert.equal(set.profiles.has('my-gpu'), false);
    assert.equal(set.profiles.has('nvidia-t4'), true, 'a bad user file does not hide the built-ins');
  });

  it('missing source on a figure', () => {
    const set = withUserProfile(
      'my-gpu.json',
      t4Variant((p) => delete p.peak.fp32.source),
    );
    assert.match(set.errors[0].message, /my-gpu\.json: peak\.fp32\.source: a required field, missing/);
  });

  it('wrong unit type: a string where a number of watts belongs', () => {
    const set = withUserProfile(
      'my-gpu.json',
      t4Variant((p) => {
        p.power.maxW.value = '70 W';
      }),
    );
    assert.equal(set.errors[0].field, 'power.maxW.value');
    assert.match(set.errors[0].message, /power\.maxW\.value: a number, got "70 W"/);
  });

  it('negative power', () => {
    const set = withUserProfile(
      'my-gpu.json',
      t4Variant((p) => {
        p.power.maxW.value = -70;
      }),
    );
    assert.match(set.errors[0].message, /power\.maxW\.value: a number > 0, got -70/);
  });

  it('idle power above max power', () => {
    const set = withUserProfile(
      'my-gpu.json',
      t4Variant((p) => {
        p.power.idleW = { value: 90, source: 'my meter', confidence: 'measured' };
      }),
    );
    assert.match(set.errors[0].message, /power\.idleW\.value: less than power\.maxW \(70 W\), got 90/);
  });

  it('an unknown field, a bad kind, a bad confidence', () => {
    const set = withUserProfile(
      'my-gpu.json',
      t4Variant((p) => {
        p.memory.bandwithGBps = p.memory.bandwidthGBps;
        p.kind = 'fpga';
        p.overheadUs.confidence = 'sure';
      }),
    );
    const msgs = set.errors.map((e) => e.message).join('\n');
    assert.match(
      msgs,
      /memory\.bandwithGBps: no such field \(allowed: technology, bandwidthGBps, sizeGB, energyPjPerBit\)/,
    );
    assert.match(msgs, /kind: one of gpu, tpu, npu, cpu, neuromorphic, soc, got "fpga"/);
    assert.match(msgs, /overheadUs\.confidence: one of confirmed, .*got "sure"/);
  });

  it('an id that does not match the file name', () => {
    const set = withUserProfile(
      'my-gpu.json',
      t4Variant(() => undefined, 'other-gpu'),
    );
    assert.match(set.errors[0].message, /my-gpu\.json: id: "my-gpu" \(the file name\), got "other-gpu"/);
  });

  it('invalid JSON', () => {
    const set = withUserProfile('my-gpu.json', '{ "id": ');
    assert.match(set.errors[0].message, /my-gpu\.json: \(root\): valid JSON/);
  });

  it('unknown id lists the known ones', () => {
    assert.throws(
      () => getProfile(builtin, 'nvidia-h300'),
      (e: Error) =>
        e instanceof UnknownProfileError &&
        /unknown hardware profile 'nvidia-h300'/.test(e.message) &&
        /amd-ryzen-7950x, apple-m2-ane/.test(e.message) &&
        /raspberry-pi-5/.test(e.message),
    );
  });

  it('a valid workspace profile loads and can override a built-in', () => {
    const set = withUserProfile(
      'nvidia-t4.json',
      t4Variant((p) => {
        p.name = 'My T4';
      }, 'nvidia-t4'),
    );
    assert.deepEqual(set.errors, []);
    assert.equal(getProfile(set, 'nvidia-t4').name, 'My T4');
    assert.equal(getProfile(set, 'nvidia-t4').origin, 'workspace');
  });
});
