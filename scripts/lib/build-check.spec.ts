import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  entryCandidates,
  findEntry,
  isBuildInput,
  isBuildStale,
  newestInputMtime,
} from './build-check';

describe('isBuildStale', () => {
  it('is stale when an output is missing', () => {
    expect(isBuildStale([1000, undefined], 500)).toBe(true);
  });

  it('is stale when an output is older than the newest input', () => {
    expect(isBuildStale([1000, 2000], 1500)).toBe(true);
  });

  it('is fresh when every output is at least as new as every input', () => {
    expect(isBuildStale([2000, 1500], 1500)).toBe(false);
    expect(isBuildStale([2000, 2000], undefined)).toBe(false);
  });
});

describe('build inputs', () => {
  it('are sources and JSON, not tests', () => {
    expect(isBuildInput('libs/key-pool/src/pool.ts')).toBe(true);
    expect(isBuildInput('apps/master/tsconfig.app.json')).toBe(true);
    expect(isBuildInput('libs/key-pool/src/pool.spec.ts')).toBe(false);
    expect(isBuildInput('apps/master/README.md')).toBe(false);
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'build-check-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const touch = (path: string, seconds: number) => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '');
      utimesSync(path, seconds, seconds);
    };

    it('finds the newest input in nested folders, ignoring tests and node_modules', () => {
      touch(join(dir, 'apps/master/src/main.ts'), 1000);
      touch(join(dir, 'libs/a/src/deep/x.ts'), 2000);
      touch(join(dir, 'libs/a/src/x.spec.ts'), 9000);
      touch(join(dir, 'libs/a/node_modules/y.ts'), 9000);
      touch(join(dir, 'tsconfig.json'), 1500);
      const roots = [join(dir, 'apps'), join(dir, 'libs'), join(dir, 'tsconfig.json')];
      expect(newestInputMtime(roots)).toBe(2_000_000);
    });

    it('has no newest input for an empty or missing tree', () => {
      expect(newestInputMtime([join(dir, 'nothing')])).toBeUndefined();
    });

    it('finds main.js beside outDir or nested under apps/<app>/src', () => {
      const [flat, nested] = entryCandidates(dir, 'master');
      expect(findEntry(dir, 'master')).toBeUndefined();
      touch(nested, 1);
      expect(findEntry(dir, 'master')).toBe(nested);
      touch(flat, 1);
      expect(findEntry(dir, 'master')).toBe(flat);
    });
  });
});
