import { MAX_WINDOW_HOURS, windowHours } from './analytics-window';

describe('windowHours', () => {
  it.each([['1h', 1], ['12h', 12], ['30d', 720], ['4w', 672], ['365d', MAX_WINDOW_HOURS]])('%s is %i hours', (window, hours) => {
    expect(windowHours(window)).toBe(hours);
  });

  it.each(['', '30', 'd', '0h', '05d', '1m', '1.5d', '-1d', '30 d', '30D', '123456h'])('%j is not a window', (window) => {
    expect(windowHours(window)).toBeUndefined();
  });
});
