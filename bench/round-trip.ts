/**
 * The floor under the bot's overhead on this machine: one Redis round trip (PING), sent
 * back to back and after an idle gap like the bot's between chat events. An idle process
 * (and an idle virtual CPU) takes longer to wake for each reply than a busy one.
 */
import { Redis } from 'ioredis';
import { percentile } from './metrics.js';
import { REDIS_URL } from './scenario.js';

export interface RoundTrip {
  backToBack: { p50: number; p99: number };
  idle: { gapMs: number; p50: number; p99: number };
  /**
   * CPU time of the call that sends the command (building it and the socket write), median
   * µs: back to back, and after the idle gap, when the write has to wake the sleeping Redis
   * (on a virtual machine, an interrupt to another virtual CPU: an exit to the host).
   */
  sendUs: { backToBack: number; idle: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureRoundTrip(n = 200, gapMs = 100): Promise<RoundTrip> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    const sends: number[] = [];
    const time = async () => {
      const t = performance.now();
      const reply = redis.ping();
      sends.push(performance.now() - t);
      await reply;
      return performance.now() - t;
    };
    for (let i = 0; i < 50; i++) await time();
    const hot: number[] = [];
    sends.length = 0;
    for (let i = 0; i < n; i++) hot.push(await time());
    const hotSends = sends.splice(0);
    const idle: number[] = [];
    for (let i = 0; i < Math.min(n, 100); i++) {
      await sleep(gapMs);
      idle.push(await time());
    }
    return {
      backToBack: { p50: percentile(hot, 50), p99: percentile(hot, 99) },
      idle: { gapMs, p50: percentile(idle, 50), p99: percentile(idle, 99) },
      sendUs: { backToBack: 1000 * percentile(hotSends, 50), idle: 1000 * percentile(sends, 50) },
    };
  } finally {
    redis.disconnect();
  }
}
