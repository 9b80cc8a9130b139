import Foundation
import Testing

/// Real central and node daemons with a `FaultProxy` between them: sync completes through a
/// connection cut in the middle of a push or pull request or response body, a central that
/// stops answering, added latency, refused and dropped connections; afterwards every change is
/// in central's log and audit trail exactly once and every replica holds the same orders. The
/// node's backoff shows in `kct sync status`.
@Suite(.serialized) struct FaultInjectionTests {
    /// A cluster whose two workstations reach central only through the proxy.
    struct Fixture {
        let cluster: SyncCluster
        let proxy: FaultProxy
        let writer: SyncCluster.Node
        let reader: SyncCluster.Node
        let auditToken: String

        /// The daemons give up on a silent central after 2 s instead of 30.
        static let daemonArguments = ["--request-timeout", "2"]

        static func start() throws -> Fixture {
            let cluster = try SyncCluster()
            try cluster.startCentral()
            let centralPort = try #require(Int(cluster.centralListen.split(separator: ":").last ?? ""))
            let proxy = try FaultProxy(upstreamPort: centralPort)
            let writer = try cluster.addWorkstation("W1", via: proxy.url)
            let reader = try cluster.addWorkstation("W2", via: proxy.url)
            let auditToken = try cluster.addNode("AUDIT")
            try cluster.startDaemon(writer, extraArguments: daemonArguments)
            try cluster.startDaemon(reader, extraArguments: daemonArguments)
            return Fixture(cluster: cluster, proxy: proxy, writer: writer, reader: reader, auditToken: auditToken)
        }

        func shutDown() {
            proxy.stop()
            cluster.shutDown()
        }

        /// Creates `count` orders on the writer (through the CLI, as staff would) and waits until
        /// both replicas hold exactly `expected` ∪ them with nothing pending.
        func createAndConverge(_ count: Int, tag: String, expected: inout Set<String>) throws {
            let orders = try writer.createOrders(SampleOrders.orders(count, tag: tag))
            try #require(orders.count == count)
            expected.formUnion(orders)
            try cluster.waitForConvergence(expected: expected, timeout: 60)
        }

        /// Waits until `count` faults in all have taken effect (a connection really cut,
        /// stalled or refused: one that never happened would prove nothing).
        func waitForFaults(_ what: String, count: Int) throws {
            try cluster.waitUntil("\(what) took effect", timeout: 30) {
                proxy.fired.count >= count ? nil : "\(proxy.fired.count) of \(count) faults took effect: \(proxy.fired)"
            }
        }

        /// Nothing lost, nothing applied twice: each of the writer's changes is in central's log
        /// exactly once (sequences 1…last, log versions without holes), and central's audit trail
        /// records each settled sequence of the writer once.
        func checkExactlyOnce() throws {
            let (writerID, lastSequence) = try writer.outboxHead()
            let log = try cluster.centralLog(token: auditToken)
            #expect(log.map(\.version) == Array(1...log.count), "log versions must be 1…N without holes")
            let logged = log.filter { $0.nodeID == writerID }.map(\.sequence)
            #expect(
                logged.sorted() == Array(1...lastSequence), "the writer's changes in central's log: \(logged.count)")
            let audit = try cluster.centralCommand(
                "central", "audit", "--db", cluster.databasePath, "--node", "W1", "--json"
            ).array()
            let audited = audit.filter { $0["kind"] as? String == "change" }.compactMap { $0["sequence"] as? Int }
            #expect(audited.sorted() == Array(1...lastSequence), "the writer's changes in central's audit trail")
        }
    }

    @Test func syncCompletesThroughCutsAndStallsAtEveryPhaseOfPushAndPull() throws {
        let fixture = try Fixture.start()
        defer { fixture.shutDown() }
        let proxy = fixture.proxy
        var expected = Set<String>()
        try fixture.createAndConverge(2, tag: "warm", expected: &expected)

        // Each phase: the fault, then edits that must get through it. Push bodies and replies and
        // pull pages of 3 orders are ≥ 200 bytes even gzipped: 64 bytes is inside a body.
        let phases: [(String, FaultProxy.Fault)] = [
            ("push request cut mid-body", .cutRequest(path: "/v1/push", afterBytes: 64)),
            ("push response cut mid-body (central applied it)", .cutResponse(path: "/v1/push", afterBytes: 64)),
            ("push response never comes (central applied it)", .stallResponse(path: "/v1/push", afterBytes: -1)),
            ("push response stalls mid-body", .stallResponse(path: "/v1/push", afterBytes: 64)),
            ("pull request cut after its head", .cutRequest(path: "/v1/pull", afterBytes: 0)),
            ("pull response cut mid-body", .cutResponse(path: "/v1/pull", afterBytes: 64)),
            ("pull response never comes", .stallResponse(path: "/v1/pull", afterBytes: -1)),
            ("pull response stalls mid-body", .stallResponse(path: "/v1/pull", afterBytes: 64)),
        ]
        for (index, (name, fault)) in phases.enumerated() {
            proxy.inject(fault)
            try fixture.createAndConverge(3, tag: "P\(index)", expected: &expected)
            try fixture.waitForFaults(name, count: index + 1)
            #expect(proxy.fired.last == fault)
            print("fault \(name): converged")
        }
        try fixture.checkExactlyOnce()
    }

    @Test func syncCompletesThroughLatencyDroppedAndRefusedConnections() throws {
        let fixture = try Fixture.start()
        defer { fixture.shutDown() }
        let proxy = fixture.proxy
        var expected = Set<String>()

        proxy.setLatency(milliseconds: 150)
        try fixture.createAndConverge(3, tag: "slow", expected: &expected)
        proxy.setLatency(milliseconds: 0)

        // Every connection (both streams included) cut at once; the next ones refused a few times.
        try fixture.cluster.waitUntil("both streams open") { proxy.openConnections >= 2 ? nil : "not yet" }
        proxy.inject(.refuseConnection, times: 4)
        proxy.dropConnections()
        try fixture.createAndConverge(3, tag: "drop", expected: &expected)
        try fixture.waitForFaults("refused connections", count: 4)
        try fixture.checkExactlyOnce()
    }

    /// While central cannot be reached, `kct sync status` shows the failures in a row and when the
    /// daemon retries; once it can, both clear and the queued edits go through.
    @Test func retryBackoffIsVisibleInSyncStatus() throws {
        let fixture = try Fixture.start()
        defer { fixture.shutDown() }
        let proxy = fixture.proxy
        var expected = Set<String>()
        try fixture.createAndConverge(1, tag: "before", expected: &expected)

        proxy.inject(.refuseConnection, times: 1_000)
        proxy.dropConnections()
        let orders = try fixture.writer.createOrders(SampleOrders.orders(2, tag: "offline"))
        expected.formUnion(orders)
        var shown: [String: Any] = [:]
        try fixture.cluster.waitUntil("the writer's backoff in sync status", timeout: 30) {
            shown = try fixture.writer.syncStatus()
            let failures = shown["consecutive_failures"] as? Int ?? 0
            return failures >= 3 ? nil : "consecutive_failures \(failures)"
        }
        #expect(shown["online"] as? Bool == false)
        #expect(shown["last_error"] as? String != nil)
        let retryText = try #require(shown["next_retry_at"] as? String, "next_retry_at missing: \(shown)")
        let timestamps = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let retryAt = try timestamps.parse(retryText)
        // The third failure waits ≥ 2 s (0.5 s doubled twice): the retry lies ahead of the attempt.
        let attemptText = try #require(shown["last_attempt_at"] as? String)
        let attemptAt = try timestamps.parse(attemptText)
        #expect(retryAt.timeIntervalSince(attemptAt) >= 1.5, "retry at \(retryText) after attempt \(attemptText)")
        let text = try fixture.writer.run("sync", "status").stdout
        #expect(text.contains("failed attempts in a row; next retry at "), "sync status: \(text)")
        #expect(try fixture.writer.pending() > 0, "the offline edits wait in the outbox")

        // Central reachable again: the queued edits go through and the backoff clears.
        proxy.clearFaults()
        try fixture.cluster.waitForConvergence(expected: expected, timeout: 60)
        try fixture.cluster.waitUntil("the backoff cleared in sync status") {
            let status = try fixture.writer.syncStatus()
            let failures = status["consecutive_failures"] as? Int ?? -1
            return failures == 0 && status["next_retry_at"] is NSNull ? nil : "status \(status)"
        }
        try fixture.checkExactlyOnce()
    }
}
