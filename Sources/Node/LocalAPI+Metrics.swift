import EventLoop
import HTTP
import Prometheus
import Store

/// The node's Prometheus metrics (`GET /metrics`, no session, loopback peers only): checksum
/// verifications and their repairs. The counts live in the replica (`sync_verify`), because
/// `kct sync verify` in another process verifies too; each scrape adds what they grew by since
/// the last, so the counters count every process's verifications and never go back.
final class NodeMetrics: @unchecked Sendable {
    // @unchecked Sendable: used only on the loop thread (scrapes), like the API that owns it.
    let registry = PrometheusCollectorRegistry()
    let runs: Counter
    let mismatched: Counter
    let repaired: Counter
    private var seen = (runs: 0, mismatched: 0, repaired: 0)

    init() {
        func name(_ metric: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "kct", metricName: metric, unitName: "total", helpText: help)
        }
        runs = registry.makeCounter(
            descriptor: name("sync_verify_runs", "Checksum verifications against central that finished."))
        mismatched = registry.makeCounter(
            descriptor: name("sync_verify_mismatched_buckets", "Buckets whose checksum differed from central's."))
        repaired = registry.makeCounter(
            descriptor: name("sync_verify_repaired_buckets", "Buckets rewritten from central's state that match it."))
    }

    /// The text exposition, the counters brought up to the replica's totals.
    func render(_ status: VerifyStatus) -> [UInt8] {
        func bring(_ counter: Counter, _ total: Int, _ seen: inout Int) {
            if total > seen { counter.increment(by: Int64(total - seen)) }
            seen = max(seen, total)
        }
        bring(runs, status.runsTotal, &seen.runs)
        bring(mismatched, status.mismatchedTotal, &seen.mismatched)
        bring(repaired, status.repairedTotal, &seen.repaired)
        return registry.emitToBuffer()
    }
}

extension LocalAPI {
    func metricsPage(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard request.peerIsLoopback else {
            return responder.send(APIError(.forbidden, code: "forbidden", "/metrics answers only to loopback").response)
        }
        let store = self.store
        loop.offload({ try store.verifyStatus() }) { [metrics] result in
            switch result {
            case .success(let status):
                responder.send(
                    HTTPResponse(
                        status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                        body: metrics.render(status)))
            case .failure(let error): responder.send(APIError(any: error).response)
            }
        }
    }
}
