// Draws Lifeboat's icons into resources/: the app icon and one tray icon per state (idle, running,
// warning, error), plus black template images for macOS. A lifebuoy in the state's colour; the
// running one carries a small clock hand.
// Run with `node scripts/make-icons.ts` after changing a colour; the PNGs are committed.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgb = [number, number, number];
const STATES: Record<string, Rgb> = { idle: [31, 122, 140], running: [43, 108, 176], warning: [214, 142, 20], error: [197, 48, 48] };

/** RGBA pixels of a lifebuoy `size` pixels wide, 4×4 supersampled for smooth edges. */
function lifebuoy(size: number, color: Rgb, running: boolean, template = false): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const c = size / 2;
  const outer = size * 0.47;
  const inner = size * 0.24;
  const edge = Math.max(1, size * 0.04);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const dx = x + (sx + 0.5) / 4 - c;
          const dy = y + (sy + 0.5) / 4 - c;
          const d = Math.hypot(dx, dy);
          let p: Rgb | undefined;
          if (d <= outer && d >= inner) {
            const onEdge = d > outer - edge || d < inner + edge;
            const angle = (Math.atan2(dy, dx) + Math.PI * 2) % (Math.PI * 2);
            const stripe = Math.floor((angle + Math.PI / 8) / (Math.PI / 4)) % 2 === 1;
            // A template image is alpha only (the system tints it), so its white stripes are holes.
            p = onEdge ? [Math.round(color[0] * 0.6), Math.round(color[1] * 0.6), Math.round(color[2] * 0.6)] : stripe ? (template ? undefined : [250, 250, 250]) : color;
          } else if (running && d < inner - edge && Math.abs(dx) < size * 0.04 && dy < 0 && dy > -inner * 0.8) {
            p = color; // the clock hand
          } else if (running && d < size * 0.07) {
            p = color;
          }
          if (p) {
            r += p[0]; g += p[1]; b += p[2]; a += 255;
          }
        }
      }
      const i = (y * size + x) * 4;
      const n = a / 255;
      px[i] = n ? Math.round(r / n) : 0;
      px[i + 1] = n ? Math.round(g / n) : 0;
      px[i + 2] = n ? Math.round(b / n) : 0;
      px[i + 3] = Math.round(a / 16);
    }
  }
  return px;
}

/** A PNG file (8-bit RGBA, no filtering) of `pixels`. */
function png(size: number, pixels: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(pixels.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const out = path.join(import.meta.dirname, '..', 'resources');
for (const [state, color] of Object.entries(STATES)) {
  writeFileSync(path.join(out, `tray-${state}.png`), png(32, lifebuoy(32, color, state === 'running')));
  writeFileSync(path.join(out, `tray-${state}@2x.png`), png(64, lifebuoy(64, color, state === 'running')));
}
// macOS menu bar: black-and-alpha "template" images (the name must end in Template) for the calm
// states, so the system tints them for light and dark menu bars; warning and error keep colour.
for (const state of ['idle', 'running']) {
  writeFileSync(path.join(out, `tray-${state}Template.png`), png(16, lifebuoy(16, [0, 0, 0], state === 'running', true)));
  writeFileSync(path.join(out, `tray-${state}Template@2x.png`), png(32, lifebuoy(32, [0, 0, 0], state === 'running', true)));
}
writeFileSync(path.join(out, 'icon.png'), png(512, lifebuoy(512, STATES.idle as Rgb, false)));
console.log(`icons written to ${out}`);
