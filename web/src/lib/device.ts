// A name and type for this device, sent at login and shown in the session list
// ("Chromium on Linux", desktop).
import type { DeviceType } from './types';

export interface DeviceHints {
  userAgent: string;
  /** `navigator.userAgentData.brands`, where the browser has it. */
  brands?: readonly { brand: string }[] | undefined;
  /** `navigator.userAgentData.mobile`. */
  mobile?: boolean | undefined;
  maxTouchPoints?: number | undefined;
}

const TV = /SmartTV|SMART-TV|Tizen|Web0S|webOS|HbbTV|BRAVIA|NetCast|AFT[A-Z]|CrKey|GoogleTV|Android TV|AndroidTV|Roku|PlayStation|Xbox|VIDAA|Viera/i;

export function deviceType(h: DeviceHints): DeviceType {
  const ua = h.userAgent;
  if (TV.test(ua)) return 'tv';
  if (h.mobile === true) return 'mobile';
  if (/Mobi|Android|iPhone|iPad|iPod/i.test(ua)) return 'mobile';
  // iPadOS presents itself as a Mac; a Mac with a touch screen is an iPad.
  if (/Macintosh/.test(ua) && (h.maxTouchPoints ?? 0) > 1) return 'mobile';
  return 'desktop';
}

function browser(h: DeviceHints): string {
  const ua = h.userAgent;
  const brands = (h.brands ?? []).map((b) => b.brand);
  if (brands.includes('Microsoft Edge') || /Edg(e|A|iOS)?\//.test(ua)) return 'Edge';
  if (brands.includes('Opera') || /OPR\//.test(ua)) return 'Opera';
  if (/SamsungBrowser\//.test(ua)) return 'Samsung Internet';
  if (/Firefox\/|FxiOS\//.test(ua)) return 'Firefox';
  if (brands.includes('Google Chrome')) return 'Chrome';
  if (brands.includes('Chromium')) return 'Chromium';
  if (/Chromium\//.test(ua)) return 'Chromium';
  if (/CriOS\//.test(ua)) return 'Chrome';
  // Without client hints Chromium and Chrome send the same string.
  if (/HeadlessChrome\//.test(ua)) return 'Chromium';
  if (/Chrome\//.test(ua)) return 'Chrome';
  if (/Safari\//.test(ua)) return 'Safari';
  return 'Browser';
}

function system(h: DeviceHints): string {
  const ua = h.userAgent;
  if (/Tizen/i.test(ua)) return 'Tizen';
  if (/Web0S|webOS/i.test(ua)) return 'webOS';
  if (/CrKey/.test(ua)) return 'Chromecast';
  if (/Android/.test(ua)) return 'Android';
  if (/iPhone|iPod/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua) || (/Macintosh/.test(ua) && (h.maxTouchPoints ?? 0) > 1)) return 'iPad';
  if (/Windows/.test(ua)) return 'Windows';
  if (/Macintosh|Mac OS X/.test(ua)) return 'macOS';
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if (/Linux|X11/.test(ua)) return 'Linux';
  return '';
}

/** "Firefox on Windows", "Safari on iPhone", "Chromium on Linux". */
export function deviceName(h: DeviceHints): string {
  const b = browser(h);
  const s = system(h);
  return s ? `${b} on ${s}` : b;
}

/** What this browser tells about itself. */
export function currentDeviceHints(): DeviceHints {
  const nav = navigator as Navigator & {
    userAgentData?: { brands?: { brand: string }[]; mobile?: boolean };
  };
  return {
    userAgent: nav.userAgent,
    brands: nav.userAgentData?.brands,
    mobile: nav.userAgentData?.mobile,
    maxTouchPoints: nav.maxTouchPoints,
  };
}
