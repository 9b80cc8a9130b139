import Foundation
import Store
import SyncCore
import Testing

@testable import Node

/// `kct join` while the daemon runs: it takes the new central or token from the replica without a
/// restart — a node that had none, and a node halted by a revoked token.
extension DaemonSyncTests {
    @Test func aNewTokenAfterAHaltResumesSyncing() async throws {
        try await withCentral { central, nodes in
            let node = try await TestNode.start(name: "W1", central: central)
            nodes.append(node)
            try await central.with { $0.tokens.removeAll() }
            _ = try node.store.createOrder(sampleDraft(), by: .test("anna"))
            try await node.read { $0.engine!.syncNow() }
            try await node.waitUntil("syncing halts on the revoked token") { node in
                try await node.engineState.phase == .halted
            }
            #expect(try pending(node) > 0)

            // As `kct join URL --token NEW` does, from another process.
            let nodeID = node.store.identity.nodeID
            try await central.with { $0.tokens["kct_test_reissued"] = nodeID }
            try node.store.setSyncSettings(SyncSettings(centralURL: try await central.url, token: "kct_test_reissued"))
            try await node.waitUntil("the daemon to push with the new token") { node in
                try pending(node) == 0
            }
            #expect(try await node.read { $0.engine!.endpoint.token } == "kct_test_reissued")
            #expect(try await node.engineState.phase != .halted)
        }
    }

    @Test func aFirstCentralIsTakenUpWithoutARestart() async throws {
        try await withCentral { central, nodes in
            let node = try await TestNode.start(name: "W1")
            nodes.append(node)
            #expect(try await node.read { $0.engine == nil })
            _ = try node.store.createOrder(sampleDraft(), by: .test("anna"))

            let nodeID = node.store.identity.nodeID
            try await central.with { $0.tokens["kct_test_joined"] = nodeID }
            try node.store.setSyncSettings(SyncSettings(centralURL: try await central.url, token: "kct_test_joined"))
            try await node.waitUntil("the daemon to push to its new central") { node in
                try pending(node) == 0
            }
            #expect(try await central.with { $0.pushes.count } >= 1)
        }
    }
}
