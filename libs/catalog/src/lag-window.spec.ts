import { lagWindowMinutes } from './lag-window';

describe('lagWindowMinutes', () => {
  it.each([['1m', 1], ['15m', 15], ['2h', 120], ['7d', 10_080]])('reads %s as %i minutes', (window, minutes) => {
    expect(lagWindowMinutes(window)).toBe(minutes);
  });

  it.each(['', '15', '0m', '015m', '1w', '1.5h', ' 15m', '15min'])('reads %j as no window', (window) => {
    expect(lagWindowMinutes(window)).toBeUndefined();
  });
});
