// The CI budget gate: the budget file's schema errors, pass and fail on energy per inference, MACs
// and training kWh, missing and unresolvable models (both fail), and the readable table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyEnergy,
  budgetErrors,
  checkBudget,
  compileBudgetSchema,
  getProfile,
  loadProfiles,
  readBudgetFile,
  BudgetError,
  type EnergyBudget,
} from '../../server/src/core/energy';
import { layer, model, report } from './energyFixtures';

const profilesDir = join(__dirname, '..', '..', 'profiles');
const profiles = loadProfiles({ profilesDir });
const resolve = (id: string) => getProfile(profiles, id);
const validate = compileBudgetSchema(profilesDir);

const fc = layer('fc', 'Linear', {
  params: 4096 * 4096,
  macs: 4096 * 4096 * 8,
  flops: 2 * 4096 * 4096 * 8,
  weightElems: 4096 * 4096,
  actElems: 2 * 4096 * 8,
});
const net = model('Net', [fc, fc], 8); // batch 8
const rep = report('examples/net.py', [net, { ...model('Block', [fc]), root: false }]);

/** Energy per sample of Net on a profile, computed the way the gate must. */
function perSample(id: string, precision: 'int8' | 'fp32'): number {
  const m = applyEnergy(rep, { profile: resolve(id), precision }).files[0].models[0];
  return m.totals.energyJ! / 8;
}

describe('budget file', () => {
  it('a valid budget reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattlens-budget-'));
    const file = join(dir, 'wattlens.budget.json');
    writeFileSync(
      file,
      JSON.stringify({
        schema: 'wattlens.budget/1',
        profile: 'nvidia-t4',
        precision: 'int8',
        budgets: [{ file: 'examples/net.py', maxMacs: 1e9 }],
      }),
    );
    assert.equal(readBudgetFile(file, validate).profile, 'nvidia-t4');
  });

  it('schema errors name the field and the expectation', () => {
    const msgs = budgetErrors(
      {
        profile: 'nvidia-t4',
        precision: 'fp64',
        budgets: [{ file: 'a.py', maxTrainingKWh: 3 }, { file: 'b.py' }, { maxMacs: -1 }],
      },
      'b.json',
      validate,
    ).map((e) => e.message);
    assert.deepEqual(msgs.sort(), [
      'b.json: budgets[0].trainingSteps: a required field when maxTrainingKWh is set, missing',
      'b.json: budgets[1]: at least one of maxEnergyJ, maxEnergyPerSampleJ, maxEnergyPerForwardPassJ, maxMacs, maxTrainingKWh',
      'b.json: budgets[2].file: a required field, missing',
      'b.json: budgets[2].maxMacs: a number > 0, got -1',
      'b.json: precision: one of fp32, tf32, fp16, bf16, fp8, int8, got "fp64"',
    ]);
  });

  it('invalid JSON is a BudgetError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wattlens-budget-'));
    writeFileSync(join(dir, 'b.json'), '{');
    assert.throws(
      () => readBudgetFile(join(dir, 'b.json'), validate),
      (e: Error) => e instanceof BudgetError && /valid JSON/.test(e.message),
    );
  });
});

describe('checkBudget', () => {
  const e = perSample('nvidia-t4', 'int8');

  it('passes when every root model is within every limit', () => {
    const budget: EnergyBudget = {
      profile: 'nvidia-t4',
      precision: 'int8',
      budgets: [
        { file: 'examples/net.py', maxEnergyJ: e * 1.01, maxMacs: net.totals.macs! },
        { file: './examples/net.py', model: 'Net', maxTrainingKWh: 1, trainingSteps: 1000 },
      ],
    };
    const r = checkBudget(rep, budget, resolve);
    assert.equal(r.passed, true, r.table);
    assert.equal(r.rows.length, 3, 'Block is not a root model, so only Net is checked');
    const energy = r.rows.find((x) => x.metric === 'energyPerSampleJ')!;
    assert.ok(Math.abs(energy.actual! / e - 1) < 1e-12);
    assert.equal(energy.profile, 'nvidia-t4');
    const training = r.rows.find((x) => x.metric === 'trainingKWh')!;
    assert.ok(Math.abs(training.actual! - (3 * e * 8 * 1000) / 3.6e6) < 1e-15);
    assert.match(r.table, /all 3 budgets pass/);
  });

  it('fails when a model grows past its budget, with a readable table', () => {
    const budget: EnergyBudget = {
      profile: 'nvidia-t4',
      budgets: [
        { file: 'examples/net.py', model: 'Net', maxEnergyJ: perSample('nvidia-t4', 'fp32') * 0.5, maxMacs: 1e6 },
      ],
    };
    const r = checkBudget(rep, budget, resolve);
    assert.equal(r.passed, false);
    assert.deepEqual(
      r.rows.map((x) => x.status),
      ['fail', 'fail'],
    );
    assert.equal(r.rows[0].precision, 'fp32', 'precision defaults to fp32');
    assert.match(r.table, /^file\s+model\s+budget\s+limit\s+actual\s+on\s+result$/m);
    assert.match(
      r.table,
      /examples\/net\.py\s+Net\s+energy per sample\s+\S+ mJ\s+\S+ mJ\s+nvidia-t4 fp32\s+FAIL \(100\.0% over\)/,
    );
    assert.match(r.table, /MACs per forward pass\s+0\.001000 GMACs\s+0\.2684 GMACs\s+-\s+FAIL/);
    assert.match(r.table, /2 of 2 budgets FAILED/);
  });

  it("re-estimates from the report's own byte counts (made at the report's precision)", () => {
    const asInt8 = { ...rep, precision: 'int8' as const };
    const budget: EnergyBudget = {
      profile: 'nvidia-t4',
      precision: 'int8',
      budgets: [{ file: 'examples/net.py', model: 'Net', maxEnergyJ: 1 }],
    };
    const row = checkBudget(asInt8, budget, resolve).rows[0];
    const direct =
      applyEnergy(asInt8, { profile: resolve('nvidia-t4'), precision: 'int8' }).files[0].models[0].totals.energyJ! / 8;
    assert.ok(Math.abs(row.actual! / direct - 1) < 1e-12);
    assert.ok(row.actual! > e, 'counts at 1 byte per element stand for 4× the elements of the fp32-counted report');
  });

  it('an entry may name its own profile and precision', () => {
    const budget: EnergyBudget = {
      profile: 'nvidia-t4',
      budgets: [{ file: 'examples/net.py', profile: 'nvidia-h100-sxm', precision: 'bf16', maxEnergyJ: 1 }],
    };
    const row = checkBudget(rep, budget, resolve).rows[0];
    assert.equal(row.profile, 'nvidia-h100-sxm');
    assert.equal(row.precision, 'bf16');
  });

  it('a missing file or model fails; an unresolvable figure fails as unknown', () => {
    const unresolved = { ...net, totals: { ...net.totals, macs: null, flops: null } };
    const rep2 = report('examples/other.py', [unresolved]);
    const budget: EnergyBudget = {
      profile: 'nvidia-t4',
      budgets: [
        { file: 'examples/net.py', model: 'Nope', maxMacs: 1 },
        { file: 'examples/missing.py', maxMacs: 1 },
        { file: 'examples/other.py', maxMacs: 1, maxEnergyJ: 1 },
      ],
    };
    const r = checkBudget({ ...rep, files: [...rep.files, ...rep2.files] }, budget, resolve);
    assert.equal(r.passed, false);
    assert.deepEqual(
      r.rows.map((x) => x.status),
      ['missing', 'missing', 'unknown', 'unknown'],
    );
    assert.match(r.table, /no model named Nope in the file/);
    assert.match(r.table, /file not in the report/);
    assert.match(r.table, /could not be resolved statically/);
  });

  it('an unknown profile in the budget is an error offering the nearest id and listing the known ones', () => {
    const budget: EnergyBudget = { profile: 'nvidia-h300', budgets: [{ file: 'examples/net.py', maxEnergyJ: 1 }] };
    assert.throws(() => checkBudget(rep, budget, resolve), /did you mean 'nvidia-h200'?.*lists them: .*nvidia-t4/);
  });
});
