import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for the serving process. V8 watches each object
 * and array literal and, once nearly all the objects of one survive a young-generation GC,
 * allocates that literal straight into the old generation from then on. A gateway trips it:
 * while its young generation is still small (at start, under a burst) every in-flight
 * exchange survives the frequent scavenges, so the exchange record, the upstream header
 * list, the listener tables of each request… are soon all "pretenured" — and every such
 * object, dead once its request ends, keeps all it points to (the request, the response,
 * the upstream request) alive through every scavenge until the next full GC, as an
 * old-to-young pointer. Measured on the LLM door at 50 connections: ~2 MB promoted per
 * scavenge, 93–98 % of those objects allocated old, with it; ~0.1 MB without
 * (docs/benchmarks.md, "LLM door CPU per request: step by step"). Nothing Warden keeps for
 * long is allocated fast enough for pretenuring to pay.
 */
export function keepRequestGarbageYoung(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
