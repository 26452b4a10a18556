import { describe, expect, it } from 'vitest';
import { deviceName, deviceType } from './device';

const UA = {
  chromiumLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:130.0) Gecko/20100101 Firefox/130.0',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  tizen:
    'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.5) AppleWebKit/537.36 (KHTML, like Gecko) 85.0.4183.93/6.5 TV Safari/537.36',
  webos: 'Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.79 Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
};

describe('device', () => {
  it('names the browser and system', () => {
    expect(deviceName({ userAgent: UA.chromiumLinux })).toBe('Chromium on Linux');
    expect(deviceName({ userAgent: UA.chromeWindows, brands: [{ brand: 'Google Chrome' }] })).toBe('Chrome on Windows');
    expect(deviceName({ userAgent: UA.chromiumLinux, brands: [{ brand: 'Chromium' }] })).toBe('Chromium on Linux');
    expect(deviceName({ userAgent: UA.firefoxMac })).toBe('Firefox on macOS');
    expect(deviceName({ userAgent: UA.iphone })).toBe('Safari on iPhone');
    expect(deviceName({ userAgent: UA.ipad, maxTouchPoints: 5 })).toBe('Safari on iPad');
    expect(deviceName({ userAgent: UA.android })).toBe('Chrome on Android');
    expect(deviceName({ userAgent: UA.edge })).toBe('Edge on Windows');
    expect(deviceName({ userAgent: UA.tizen })).toBe('Safari on Tizen');
  });

  it('guesses the device type', () => {
    expect(deviceType({ userAgent: UA.chromiumLinux })).toBe('desktop');
    expect(deviceType({ userAgent: UA.firefoxMac })).toBe('desktop');
    expect(deviceType({ userAgent: UA.iphone })).toBe('mobile');
    expect(deviceType({ userAgent: UA.android })).toBe('mobile');
    expect(deviceType({ userAgent: UA.ipad, maxTouchPoints: 5 })).toBe('mobile');
    expect(deviceType({ userAgent: UA.chromeWindows, mobile: true })).toBe('mobile');
    expect(deviceType({ userAgent: UA.tizen })).toBe('tv');
    expect(deviceType({ userAgent: UA.webos })).toBe('tv');
  });
});
