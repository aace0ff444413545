import { describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/core/transport/redis-keys.js';
import { parseRedisUrl } from '../../src/core/transport/redis-url.js';

/** What Redis Cluster hashes: the first {…} with something inside, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('RedisKeys layout', () => {
  const k = new RedisKeys('{segstream}');
  const streamKeys = (id: string) => [k.meta(id), k.end(id), k.frame(id, 0), k.frame(id, 99), k.events(id), k.results(id), k.done(id), k.composed(id), k.published(id), k.last(id), k.heartbeat(id), k.finished(id), k.stream(id, 'metrics')];

  it('gives all of a stream\'s keys one hash tag, another per stream, and the queue its own', () => {
    expect(new Set(streamKeys('cam1').map(hashTag))).toEqual(new Set(['segstream:s:cam1']));
    expect(new Set(streamKeys('cam2').map(hashTag))).toEqual(new Set(['segstream:s:cam2']));
    expect(hashTag(`${k.prefix}:frames:wait`)).toBe('segstream');
    expect(hashTag(k.global('streams'))).toBe('segstream');
    expect(k.frame('cam1', 7)).toBe('{segstream:s:cam1}:f:7');
  });

  it('takes the prefix with or without braces, and refuses braces elsewhere', () => {
    expect(new RedisKeys('site-a').prefix).toBe('{site-a}');
    expect(new RedisKeys('{site-a}').meta('x')).toBe('{site-a:s:x}:meta');
    expect(new RedisKeys().prefix).toBe('{segstream}');
    for (const bad of ['a{b}', '{a}b', '{}', 'a b', '{a{b}}']) expect(() => new RedisKeys(bad)).toThrow(/invalid Redis key prefix/);
  });

  it('patterns() match every key (queue and streams) and no other deployment\'s', () => {
    const glob = (p: string) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$');
    const pats = k.patterns().map(glob);
    for (const key of [...streamKeys('cam1'), `${k.prefix}:frames:wait`]) expect(pats.some((p) => p.test(key))).toBe(true);
    const other = new RedisKeys('{segstream2}');
    for (const key of [other.meta('cam1'), `${other.prefix}:frames:wait`]) expect(pats.some((p) => p.test(key))).toBe(false);
  });
});

describe('parseRedisUrl', () => {
  it('reads single, cluster and sentinel URLs', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toMatchObject({ kind: 'single', tls: false });
    expect(parseRedisUrl('rediss://h:6380/2')).toMatchObject({ kind: 'single', tls: true });
    expect(parseRedisUrl('redis+cluster://:p%40w@h1:7000,h2,[::1]:7002')).toEqual({
      kind: 'cluster', nodes: [{ host: 'h1', port: 7000 }, { host: 'h2', port: 6379 }, { host: '::1', port: 7002 }], username: undefined, password: 'p@w', tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://u:pw@h1:7000')).toMatchObject({ kind: 'cluster', username: 'u', password: 'pw', tls: true });
    expect(parseRedisUrl('redis+sentinel://s1,s2:26380/mymaster/3')).toMatchObject({
      kind: 'sentinel', nodes: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], masterName: 'mymaster', db: 3,
    });
  });

  it('names the problem in one line, without the password', () => {
    expect(() => parseRedisUrl('http://h:1')).toThrow(/is not redis:\/\//);
    expect(() => parseRedisUrl('redis://:secret@a:1,b:2')).toThrow(/names several hosts: write redis\+cluster/);
    expect(() => parseRedisUrl('redis+cluster://h:1/2')).toThrow(/database 0 only/);
    expect(() => parseRedisUrl('redis+cluster://h:99999')).toThrow(/'h:99999' is not host:port/);
    expect(() => parseRedisUrl('redis+sentinel://:secret@s1:26379')).toThrow(/MASTER_NAME/);
    try { parseRedisUrl('redis+sentinel://:secret@s1:26379'); } catch (e) { expect((e as Error).message).not.toContain('secret'); }
  });
});
