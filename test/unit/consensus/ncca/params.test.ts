import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { DEFAULT_NCCA_PARAMS, checkNccaParams } from '../../../../src/consensus/ncca/params.js';

const paper = JSON.parse(readFileSync(new URL('../../../../../config/paper.json', import.meta.url), 'utf8'));

describe('NCCA parameters', () => {
  it('the defaults pass their own checks', () => {
    assert.doesNotThrow(() => checkNccaParams(DEFAULT_NCCA_PARAMS));
  });

  it('config/paper.json holds the same values as the defaults, so the paper experiment runs what the node runs', () => {
    assert.deepEqual(paper.ncca, DEFAULT_NCCA_PARAMS);
    assert.deepEqual(paper.area, { width: 9000, height: 9000, grid: 3 });
    assert.equal(paper.nodes, 250);
  });

  it('refuses values the protocol cannot live with, naming them', () => {
    const bad = (patch: object, name: RegExp) => assert.throws(() => checkNccaParams({ ...DEFAULT_NCCA_PARAMS, ...patch }), name);
    bad({ beta2: 0.6 }, /beta2/);
    bad({ epochLength: 0 }, /epochLength/);
    bad({ validatorRatio: 0 }, /validatorRatio/);
    bad({ vote: { ...DEFAULT_NCCA_PARAMS.vote, yes: 0.5, no: 0.4 } }, /yes \+ vote.no/);
    bad({ vote: { ...DEFAULT_NCCA_PARAMS.vote, v1: 0.4, v2: 0.5 } }, /thresholds/);
    bad({ vote: { ...DEFAULT_NCCA_PARAMS.vote, yes: 0.3, no: 0.7 } }, /must exceed vote.no/);
  });
});
