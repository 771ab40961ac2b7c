import { GroupedCalls } from './grouped-calls';

/** A run that records its groups and finishes when the test says so. */
function recorder(fits: (group: number[], next: number) => boolean = () => true, lingerMs = 0) {
  const groups: number[][] = [];
  const finish: ((err?: Error) => void)[] = [];
  const calls = new GroupedCalls<number>((items) => {
    groups.push(items);
    return new Promise((resolve, reject) => { finish.push((err) => (err ? reject(err) : resolve())); });
  }, fits, lingerMs);
  return { calls, groups, finish };
}
/** A few turns of the event loop: a group runs at the end of the turn its first call was made in. */
const turn = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GroupedCalls', () => {
  it('puts calls made in the same turn into one group', async () => {
    const { calls, groups, finish } = recorder();
    const done = [calls.call(1), calls.call(2), calls.call(3)];
    await turn();
    expect(groups).toEqual([[1, 2, 3]]);
    finish[0]();
    await Promise.all(done);
  });

  it('holds calls made while a group runs, and runs them together next, in arrival order', async () => {
    const { calls, groups, finish } = recorder();
    const first = calls.call(1);
    await turn();
    const later = [calls.call(2), calls.call(3), calls.call(4)];
    await turn();
    expect(groups).toEqual([[1]]);
    finish[0]();
    await first;
    await turn();
    expect(groups).toEqual([[1], [2, 3, 4]]);
    finish[1]();
    await Promise.all(later);
  });

  it('starts a new group where the next call does not fit, taking the first call of a group whatever its size', async () => {
    const { calls, groups, finish } = recorder((group, next) => group.reduce((a, b) => a + b, next) <= 10);
    const done = [calls.call(12), calls.call(4), calls.call(5), calls.call(2)];
    await turn();
    finish[0]();
    await turn();
    finish[1]();
    await turn();
    expect(groups).toEqual([[12], [4, 5], [2]]);
    finish[2]();
    await Promise.all(done);
  });

  it('fails every call of a failed group, and goes on with the next', async () => {
    const { calls, groups, finish } = recorder((group) => group.length < 2);
    const [a, b, c] = [calls.call(1), calls.call(2), calls.call(3)];
    await turn();
    finish[0](new Error('broker down'));
    await expect(a).rejects.toThrow('broker down');
    await expect(b).rejects.toThrow('broker down');
    await turn();
    expect(groups).toEqual([[1, 2], [3]]);
    finish[1]();
    await expect(c).resolves.toBeUndefined();
  });

  it('with a linger, waits that long for more calls before a group runs', async () => {
    const { calls, groups, finish } = recorder(() => true, 500);
    const done = [calls.call(1)];
    await turn();
    done.push(calls.call(2)); // a later turn, within the linger
    await turn();
    expect(groups).toEqual([]);
    await sleep(700);
    expect(groups).toEqual([[1, 2]]);
    finish[0]();
    await Promise.all(done);
  });
});
