// Grid intensity from @tgwf/co2 (alpha-2 or alpha-3, world average when unset) and the conversion of
// energy to gCO2e with PUE: France's low-carbon grid against Germany's and the world average.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { co2eGrams, gridIntensity, knownRegions, toKWh, UnknownRegionError } from '../../server/src/core/energy';

describe('grid intensity', () => {
  it('FR, DE and the world average match CO2.js 0.19 (Ember 2024, reference carbon_pue.csv)', () => {
    assert.equal(gridIntensity('FR').gCO2ePerKWh, 44.18);
    assert.equal(gridIntensity('DE').gCO2ePerKWh, 342.06);
    assert.equal(gridIntensity().gCO2ePerKWh, 472.94);
    assert.equal(gridIntensity().region, 'WORLD');
    assert.equal(gridIntensity('').region, 'WORLD');
    assert.match(gridIntensity('FR').source, /@tgwf\/co2.*2024/);
  });

  it('accepts alpha-2 and alpha-3 codes in any case, and aggregates such as EU', () => {
    assert.equal(gridIntensity('fra').region, 'FRA');
    assert.equal(gridIntensity('Fr').region, 'FRA');
    assert.equal(gridIntensity('deu').gCO2ePerKWh, gridIntensity('de').gCO2ePerKWh);
    assert.equal(gridIntensity('GB').region, 'GBR');
    assert.equal(gridIntensity('EU').gCO2ePerKWh, 213.02);
    assert.ok(knownRegions().length > 200);
  });

  it('rejects an unknown code with a hint', () => {
    assert.throws(
      () => gridIntensity('XY'),
      (e: Error) => e instanceof UnknownRegionError && /alpha-2 or alpha-3/.test(e.message),
    );
  });
});

describe('energy → CO2e', () => {
  it('1 kWh on FR vs DE vs world, with and without PUE', () => {
    const kWh = 3.6e6;
    assert.equal(toKWh(kWh), 1);
    const fr = co2eGrams(kWh, gridIntensity('FR'));
    const de = co2eGrams(kWh, gridIntensity('DE'));
    const world = co2eGrams(kWh, gridIntensity());
    assert.ok(Math.abs(fr - 44.18) < 1e-9 && Math.abs(de - 342.06) < 1e-9 && Math.abs(world - 472.94) < 1e-9);
    assert.ok(fr < de && de < world);
    assert.ok(Math.abs(co2eGrams(kWh, gridIntensity('DE'), 1.58) - 342.06 * 1.58) < 1e-9);
  });
});
