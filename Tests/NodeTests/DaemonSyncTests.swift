import EventLoop
import Foundation
import HTTP
import OrderDomain
import Store
import SyncCore
import TestSupport
import Testing

@testable import Node

/// The daemon against an in-test central (SyncCore's `CentralModel` behind HTTPServer).
@Suite(.serialized) struct DaemonSyncTests {
    /// Runs `body` with a central and cleans everything up whatever happens.
    func withCentral(_ body: (CentralHandle, inout [TestNode]) async throws -> Void) async throws {
        try await withStopping(try await CentralHandle.start()) { central in
            var nodes: [TestNode] = []
            var failure: (any Error)?
            do { try await body(central, &nodes) } catch { failure = error }
            for node in nodes {
                try? await node.stop()
                node.removeFiles()
            }
            if let failure { throw failure }
        }
    }

    func pending(_ node: TestNode) throws -> Int { try node.store.syncStatus().pending }

    func centralHas(_ central: CentralHandle, order id: String) async throws -> Bool {
        try await central.with { $0.model.replica.row(RowKey(.order, id)) != nil }
    }

    @Test func anEditIsPushedShortlyAfterItIsMade() async throws {
        try await withCentral { central, nodes in
            let node = try await TestNode.start(name: "W1", central: central)
            nodes.append(node)
            try await node.waitUntil("the first cycle completes") { try await $0.engineState.completed >= 1 }
            // An edit by another process (the CLI): noticed through the replica's files, pushed.
            let cli = try OrderStore.open(directory: node.directory)
            let order = try cli.createOrder(sampleDraft(), by: .test("cli"))
            try await node.waitUntil("central has the order and nothing is pending") { [self] node in
                let there = try await centralHas(central, order: order.id)
                return try there && pending(node) == 0
            }
            let status = try node.store.syncStatus()
            #expect(status.lastError == nil)
            #expect(status.lastSuccessAt != nil)
            #expect(try await central.with { $0.healthChecks } >= 1)
        }
    }

    @Test func aChangeFromAnotherNodeArrivesThroughTheStream() async throws {
        try await withCentral { central, nodes in
            let first = try await TestNode.start(name: "W1", central: central)
            let second = try await TestNode.start(name: "W2", central: central)
            nodes += [first, second]
            for node in nodes {
                try await node.waitUntil("the stream is open") { node in try await node.read { $0.engine!.isStreamOpen }
                }
            }
            let order = try first.store.createOrder(sampleDraft(customer: "Mark Twain"), by: .test("anna"))
            try await first.read { $0.engine!.syncSoon() }
            try await second.waitUntil("the order arrives at W2") { node in
                (try? node.store.order(order.id)) != nil
            }
            #expect(try second.store.order(order.id).customerName == "Mark Twain")
            #expect(try second.store.pullCursor() >= 1)
        }
    }

    @Test func centralDownEditsQueueAndDrainWhenItReturns() async throws {
        try await withCentral { central, nodes in
            let node = try await TestNode.start(name: "W1", central: central)
            nodes.append(node)
            try await node.waitUntil("the first cycle completes") { try await $0.engineState.completed >= 1 }
            try await central.with { $0.stop() }

            let order = try node.store.createOrder(sampleDraft(), by: .test("anna"))
            try await node.read { $0.engine!.syncSoon() }
            // No new edit arrives: the timer alone retries the failed upload, with backoff.
            try await node.waitUntil("three attempts have failed and were recorded") { node in
                try await node.engineState.failed >= 3 && node.store.syncStatus().lastError != nil
            }
            let state = try await node.engineState
            #expect(state.lastError?.contains("unreachable") == true)
            #expect(try pending(node) > 0)
            #expect(try node.store.syncStatus().lastError?.contains("unreachable") == true)

            let second = try node.store.createOrder(sampleDraft(customer: "John Smith"), by: .test("anna"))
            try await central.with { try $0.start() }
            try await node.waitUntil("both edits drained to central") { [self] node in
                let first = try await centralHas(central, order: order.id)
                let other = try await centralHas(central, order: second.id)
                let phase = try await node.engineState.phase
                return try first && other && pending(node) == 0 && phase == .idle
                    && node.store.syncStatus().lastError == nil
            }
            #expect(try await node.engineState.phase == .idle)
            #expect(try node.store.syncStatus().lastError == nil)
        }
    }

    @Test func aSequenceGapIsAnsweredByResendingFromTheExpectedSequence() async throws {
        try await withCentral { central, nodes in
            let node = try await TestNode.start(name: "W1", central: central)
            nodes.append(node)
            try await node.waitUntil("the first cycle completes") { try await $0.engineState.completed >= 1 }
            try await central.with { $0.injectGap = true }
            let order = try node.store.createOrder(sampleDraft(), by: .test("anna"))
            try await node.read { $0.engine!.syncSoon() }
            try await node.waitUntil("the order is settled at central") { [self] node in
                let there = try await centralHas(central, order: order.id)
                return try there && pending(node) == 0
            }
            let pushes = try await central.with { $0.pushes }
            #expect(pushes.count == 2)
            #expect(pushes[0].changes.first?.sequence == pushes[1].changes.first?.sequence)
            #expect(try await node.engineState.failed == 0)
        }
    }

    @Test func anUnsupportedVersionStopsSyncingAndIsReported() async throws {
        try await withCentral { central, nodes in
            try await central.with {
                $0.nextPushError = ErrorResponse(
                    code: .unsupportedProtocolVersion,
                    message: "peer speaks sync protocol version 1; this side speaks version 3",
                    peerVersion: 1, supportedVersions: 3...3)
            }
            let node = try await TestNode.start(name: "W1", central: central)
            nodes.append(node)
            _ = try node.store.createOrder(sampleDraft(), by: .test("anna"))
            try await node.read { $0.engine!.syncNow() }
            try await node.waitUntil("syncing halts and says why") { node in
                try await node.engineState.phase == .halted && node.store.syncStatus().lastError != nil
            }
            #expect(try await node.engineState.lastError?.contains("unsupported_protocol_version") == true)
            #expect(try node.store.syncStatus().lastError?.contains("unsupported_protocol_version") == true)
            #expect(try pending(node) > 0)
            // Halted means no retries: a later edit sends nothing.
            let pushesBefore = try await central.with { $0.pushes.count }
            _ = try node.store.createOrder(sampleDraft(customer: "John Smith"), by: .test("anna"))
            try await node.read { $0.engine!.syncNow() }
            #expect(try await node.engineState.phase == .halted)
            #expect(try await central.with { $0.pushes.count } == pushesBefore)
        }
    }

    @Test func healthNegotiationRefusesACentralOfAnotherVersion() async throws {
        try await withCentral { central, nodes in
            try await central.with { $0.supportedVersions = 4...5 }
            let node = try await TestNode.start(name: "W1", central: central)
            nodes.append(node)
            try await node.waitUntil("syncing halts and says why") { node in
                try await node.engineState.phase == .halted && node.store.syncStatus().lastError != nil
            }
            #expect(try await node.engineState.lastError?.contains("version") == true)
            #expect(try await central.with { $0.pushes.isEmpty })
        }
    }

    @Test func anUnknownTokenHalts() async throws {
        try await withCentral { central, nodes in
            let node = try await TestNode.start(name: "W1", central: central)
            nodes.append(node)
            try await central.with { $0.tokens.removeAll() }
            _ = try node.store.createOrder(sampleDraft(), by: .test("anna"))
            try await node.read { $0.engine!.syncNow() }
            try await node.waitUntil("syncing halts and says why") { node in
                try await node.engineState.phase == .halted && node.store.syncStatus().lastError != nil
            }
            #expect(try await node.engineState.lastError?.contains("unauthorized") == true)
        }
    }

    @Test func shutdownClosesEverythingCleanly() async throws {
        try await withCentral { central, nodes in
            let node = try await TestNode.start(name: "W1", central: central)
            try await node.waitUntil("the stream is open") { node in try await node.read { $0.engine!.isStreamOpen } }
            _ = try node.store.createOrder(sampleDraft(), by: .test("anna"))
            try await node.read { $0.engine!.syncNow() }
            // As SIGTERM does: the loop's graceful shutdown. It returns only once every libuv
            // handle was closed (uv_loop_close succeeded), else it throws.
            try await node.stop()
            #expect(try node.store.integrityCheck() == ["ok"])
            node.removeFiles()
        }
    }
}

/// The daemon keeps the node's accounts in step with central's and uploads sign-in events.
@Suite(.serialized) struct DaemonAccountsTests {
    @Test func aRoleChangedAtCentralTakesEffectAndSignInsAreUploaded() async throws {
        let central = try await CentralHandle.start()
        var node: TestNode?
        var failure: (any Error)?
        do {
            let ana = try OrderStore.testAccount("ana@kct.example", role: .processor, version: 1)
            try await central.with { $0.setAccounts([ana]) }
            let started = try await TestNode.start(name: "W1", central: central) { $0.sync.accountsInterval = .zero }
            node = started
            try await started.waitUntil("central's accounts arrive") { node in try node.store.accounts().count == 1 }
            let session = try started.store.signIn(email: "ana@kct.example", password: testPassword, kind: .api)
            #expect(try started.store.session(token: session.token)?.role == .processor)
            let refreshed = try await started.read { $0.engine!.completedCycles }
            let order = try started.store.createOrder(sampleDraft(), by: session.actor)
            #expect(
                isForbidden { try started.store.setPriority(order.id, to: .rush, by: session.actor) },
                "a processor may not change priorities")

            var promoted = ana
            promoted.role = .manager
            promoted.version = 2
            let changed = promoted
            try await central.with { $0.setAccounts([changed]) }
            try await started.read { $0.engine!.syncNow() }
            try await started.waitUntil("the new role is known here") { node in
                try node.store.session(token: session.token)?.role == .manager
            }
            #expect(
                try started.store.setPriority(
                    order.id, to: .rush, by: try #require(try started.store.session(token: session.token))
                ).priority == .rush)
            // The role is stored before the cycle that fetched it finishes: wait for the finish.
            try await started.waitUntil("the cycle that fetched it completes") { node in
                try await node.read { $0.engine!.completedCycles } > refreshed
            }
            try await started.waitUntil("the sign-in reached central's audit") { node in
                let uploaded = try await central.with { $0.auditEvents }
                return try uploaded.contains {
                    $0.kind == .signIn && $0.email == "ana@kct.example" && $0.detail == "api"
                }
                    && node.store.pendingAuthEvents().isEmpty
            }
            // Later fetches say which version the node has.
            #expect(try await central.with { $0.accountFetches }.contains(1))

            // Removed at central: the session ends.
            try await central.with {
                $0.setAccounts([try OrderStore.testAccount("boss@kct.example", role: .admin, version: 3)])
            }
            try await started.read { $0.engine!.syncNow() }
            try await started.waitUntil("ana's session ends") { node in
                try node.store.session(token: session.token) == nil
            }
            #expect(try started.store.accounts().map(\.email) == ["boss@kct.example"])
        } catch {
            failure = error
        }
        try? await node?.stop()
        node?.removeFiles()
        try? await central.stop()
        if let failure { throw failure }
    }
}
