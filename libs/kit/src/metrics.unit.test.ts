import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('observes each call in the RPC histogram by service, method and status name', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeRpc('/onceonly.credit.v1.CreditService/RecordPenalty', status.OK, 0.002);
    metrics.observeRpc('/onceonly.credit.v1.CreditService/RecordPenalty', status.OK, 0.004);
    metrics.observeRpc('/onceonly.credit.v1.CreditService/RecordPenalty', status.INVALID_ARGUMENT, 0.001);
    const text = await metrics.text();
    const labels = 'grpc_service="onceonly.credit.v1.CreditService",grpc_method="RecordPenalty"';
    expect(text).toContain(`onceonly_grpc_server_handling_seconds_count{${labels},grpc_code="OK"} 2`);
    expect(text).toContain(`onceonly_grpc_server_handling_seconds_count{${labels},grpc_code="INVALID_ARGUMENT"} 1`);
    expect(text).toContain(`onceonly_grpc_server_handling_seconds_bucket{le="0.0025",${labels},grpc_code="OK"} 1`);
  });

  describe('when a metric is read at scrape time', () => {
    it('reads it once per scrape, labelled, and keeps no stale series', async () => {
      const metrics = createMetrics({ processMetrics: false });
      let reads = 0;
      let items = [{ labels: { item: 'A' }, value: 2 }];
      metrics.gaugeOnScrape({
        name: 'onceonly_test_overdue',
        help: 'test',
        labelNames: ['item'],
        read: () => {
          reads++;
          return items;
        },
      });
      expect(await metrics.text()).toContain('onceonly_test_overdue{item="A"} 2');
      items = [{ labels: { item: 'B' }, value: 1 }];
      const second = await metrics.text();
      expect(second).toContain('onceonly_test_overdue{item="B"} 1');
      expect(second).not.toContain('item="A"');
      expect(reads).toBe(2);
    });

    it('counts a read that fails and reports its value as unknown (NaN), not as 0', async () => {
      const metrics = createMetrics({ processMetrics: false });
      metrics.gaugeOnScrape({
        name: 'onceonly_test_down',
        help: 'test',
        read: () => Promise.reject(new Error('database down')),
      });
      expect(await metrics.text()).toMatch(/^onceonly_test_down nan$/im);
      // the error counter is collected beside the metric: the next scrape shows the failures before it
      expect(await metrics.text()).toContain('onceonly_metrics_read_errors_total{metric="onceonly_test_down"} 1');
    });

    it('shares one statement among the metrics of one scrape (perScrape)', async () => {
      const metrics = createMetrics({ processMetrics: false });
      let statements = 0;
      const head = metrics.perScrape(async () => {
        statements++;
        return { size: 7, gaps: 0 };
      });
      metrics.gaugeOnScrape({ name: 'onceonly_test_size', help: 't', read: async () => (await head()).size });
      metrics.gaugeOnScrape({ name: 'onceonly_test_gaps', help: 't', read: async () => (await head()).gaps });
      const text = await metrics.text();
      expect(text).toContain('onceonly_test_size 7');
      expect(text).toContain('onceonly_test_gaps 0');
      expect(statements).toBe(1);
    });

    it('exposes a running total as a counter', async () => {
      const metrics = createMetrics({ processMetrics: false });
      let total = 3;
      metrics.counterOnScrape({ name: 'onceonly_test_published_total', help: 't', read: () => total });
      expect(await metrics.text()).toContain('onceonly_test_published_total 3');
      total = 5;
      expect(await metrics.text()).toContain('onceonly_test_published_total 5');
    });
  });
});
