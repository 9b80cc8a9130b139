import Foundation
import TestSupport
import Testing

/// `kill -9` of a node daemon in the middle of pushing a large outbox, and of central in the
/// middle of applying it, several rounds at random (seeded) moments. After restarts: every order
/// made is on every node and in central's log, each change is in central's log exactly once, and
/// each status move is in each order's history exactly once.
@Suite(.serialized) struct LoopbackKillTests {

    /// Orders per round: each is 4 changes (order, 2 items, history) plus a status move for
    /// every twentieth (2 changes), ≈ 1,150 changes: two push batches.
    static let ordersPerRound = 280
    static let killRounds = 4

    @Test(arguments: CentralBackend.allCases) func killDashNineMidPushAndMidApplyLosesNothingAndAppliesNothingTwice(
        _ backend: CentralBackend
    ) throws {
        let seed = ProcessInfo.processInfo.environment["KCT_KILL_SEED"].flatMap(UInt64.init) ?? 20_261_125
        var generator = SplitMix64(seed: seed)
        let cluster = try SyncCluster(backend: backend)
        defer { cluster.shutDown() }
        try cluster.startCentral()
        let writer = try cluster.addWorkstation("W1")
        let reader = try cluster.addWorkstation("W2")
        let auditToken = try cluster.addNode("AUDIT")
        try cluster.startDaemon(reader)

        var created = Set<String>()
        var moved = Set<String>()
        var landedMidWindow = 0
        // Round 0 is not killed: it measures how long the writer's daemon takes from start to an
        // empty outbox, and later rounds kill at a random moment inside that window.
        var window = 0.0
        for round in 0...Self.killRounds {
            // A big outbox made while the writer's daemon is down.
            let orders = try writer.createOrders(SampleOrders.orders(Self.ordersPerRound, tag: "R\(round)"))
            try #require(orders.count == Self.ordersPerRound)
            created.formUnion(orders)
            for order in orders.enumerated().filter({ $0.offset % 20 == 0 }).map(\.element) {
                try writer.run("orders", "status", order, "payment_confirmed", "--note", "round \(round)")
                moved.insert(order)
            }
            let pendingBefore = try writer.pending()
            let headBefore = try #require(try cluster.centralHead())
            let started = Date()
            try cluster.startDaemon(writer)
            if round == 0 {
                try cluster.waitUntil("writer's outbox drained in the calibration round") {
                    let pending = try writer.pending()
                    return pending == 0 ? nil : "\(pending) pending"
                }
                window = Date().timeIntervalSince(started)
                print("round 0: no kill; \(pendingBefore) changes drained in \(Int(window * 1000)) ms")
                #expect(writer.daemon?.stop() == 0)
                continue
            }
            // The first quarter is mostly process start-up and the health check; aim past it.
            let delay = Double.random(in: (window / 4)..<window, using: &generator)
            usleep(UInt32(max(0, delay - Date().timeIntervalSince(started)) * 1_000_000)) // picks the kill point only
            let killCentral = round % 2 == 0
            if killCentral { cluster.central?.killNow() } else { writer.daemon?.killNow() }
            let pendingAfter = try writer.pending()
            // Restart what was killed; then central's head tells whether it had logged part of the
            // outbox that the node had not yet heard back about.
            if killCentral { try cluster.startCentral() } else { try cluster.startDaemon(writer) }
            let headAfterKill = try #require(try cluster.centralHead())
            let midWindow = headAfterKill > headBefore && pendingAfter > 0
            if midWindow { landedMidWindow += 1 }
            print(
                "round \(round): kill -9 of \(killCentral ? "central" : "writer daemon") \(Int(delay * 1000)) ms "
                    + "after start; node pending \(pendingBefore) → \(pendingAfter), central logged "
                    + "\(headAfterKill - headBefore)\(midWindow ? " (mid push/apply)" : "")"
            )
            try cluster.waitUntil("writer's outbox drained after round \(round)") {
                let pending = try writer.pending()
                return pending == 0 ? nil : "\(pending) pending"
            }
            #expect(writer.daemon?.stop() == 0)
        }
        print(
            "kills that landed while central had logged changes the node had not settled: \(landedMidWindow) of "
                + "\(Self.killRounds)"
        )

        // Nothing lost: every order made is on both nodes.
        try cluster.startDaemon(writer)
        try cluster.waitForConvergence(expected: created, timeout: 60)

        // Nothing applied twice: the writer's changes are in central's log exactly once each,
        // sequences 1…last without a gap, and log versions have no holes.
        let (writerID, lastSequence) = try writer.outboxHead()
        let log = try cluster.centralLog(token: auditToken)
        #expect(log.map(\.version) == Array(1...log.count), "log versions must be 1…N without holes")
        let writerSequences = log.filter { $0.nodeID == writerID }.map(\.sequence)
        #expect(
            writerSequences.count == lastSequence,
            "central logged \(writerSequences.count) of the writer's \(lastSequence) changes")
        #expect(Set(writerSequences).count == writerSequences.count, "a change of the writer is in central's log twice")
        #expect(writerSequences.sorted() == Array(1...lastSequence))

        // And on the reader, each order's history holds the creation and (for moved ones) the
        // move, once each.
        let orders = try reader.run("orders", "list", "--json", "--limit", "100000").array()
        for order in orders {
            let number = order["order_number"] as? String ?? "?"
            let history = order["status_history"] as? [[String: Any]] ?? []
            let targets = history.compactMap { $0["to_status"] as? String }
            let wanted = moved.contains(number) ? ["pending_payment", "payment_confirmed"] : ["pending_payment"]
            #expect(targets.sorted() == wanted.sorted(), "\(number)'s history: \(targets)")
        }
    }
}
