import Central
import Foundation
import GRDB
import SyncCore
import TestSupport
import Testing

/// The append-only audit trail: pushed changes by several people with their outcomes, account
/// and node events, uploaded sign-ins, and the triggers that keep it append-only.
@Suite struct AuditTrailTests {
    static func makeStore(_ storage: TestStoreLocation) throws -> (CentralStore, w1: String, w2: String) {
        let store = try CentralStore.create(at: storage.location, clock: { Build.centralNow })
        let w1 = try store.addNode(name: "W1", shop: "S01").token
        let w2 = try store.addNode(name: "W2", shop: "S01").token
        try Staff.add(
            store, [("ana@kct.example", .processor), ("max@kct.example", .manager), ("vic@kct.example", .viewer)])
        return (store, w1, w2)
    }

    @Test(arguments: CentralBackend.allCases)
    func recordsEveryEditBySeveralPeopleWithItsOutcome(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, w2) = try Self.makeStore(storage)
        _ = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 1, at: 1, entity: .order, row: "o-1",
                        fields: Build.createOrder("n-w1", 1, at: 1).fields, author: "ana@kct.example"),
                    Build.change(
                        "n-w1", 2, at: 2, entity: .order, row: "o-1", fields: ["notes": .text("gift wrap")],
                        author: "ana@kct.example"),
                    Build.change(
                        "n-w1", 3, at: 3, entity: .order, row: "o-1", fields: ["priority": .text("rush")],
                        author: "ana@kct.example"),
                ]), token: w1)
        _ = try store.push(
            PushRequest(
                nodeID: "n-w2",
                changes: [
                    Build.change(
                        "n-w2", 1, at: 4, entity: .order, row: "o-1", fields: ["priority": .text("rush")],
                        author: "max@kct.example"),
                    Build.change(
                        "n-w2", 2, at: 1, entity: .order, row: "o-1", fields: ["notes": .text("older note")],
                        author: "max@kct.example"),
                    Build.change(
                        "n-w2", 3, at: 5, entity: .order, row: "o-1", fields: ["notes": .text("peek")],
                        author: "vic@kct.example"),
                ]), token: w2)
        // The replay of a settled push adds nothing to the trail.
        _ = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 3, at: 3, entity: .order, row: "o-1", fields: ["priority": .text("rush")],
                        author: "ana@kct.example")
                ]), token: w1)

        let trail = try store.audit(.order("o-1"))
        #expect(
            trail.map(\.person) == [
                "ana@kct.example", "ana@kct.example", "ana@kct.example", "max@kct.example", "max@kct.example",
                "vic@kct.example",
            ])
        #expect(trail.map(\.nodeName) == ["W1", "W1", "W1", "W2", "W2", "W2"])
        #expect(trail.map(\.outcome) == ["applied", "applied", "rejected", "applied", "superseded", "rejected"])
        #expect(trail.map(\.code) == [nil, nil, "forbidden", nil, nil, "forbidden"])
        #expect(trail.map(\.sequence) == [1, 2, 3, 1, 2, 3])
        #expect(
            trail.allSatisfy {
                $0.kind == .change && $0.entity == EntityKind.order.rawValue && $0.operation == "set_fields"
                    && $0.hlc != nil
            })
        #expect(trail[2].detail.hasPrefix("fields priority: ana@kct.example is a processor and may not"))
        #expect(trail.allSatisfy { $0.receivedAt == "2025-11-25T15:00:00.000Z" })
        // By order number, by person, the latest N.
        #expect(try store.audit(.order("S01-W1-1")) == trail)
        #expect(try store.audit(.person("MAX@kct.example")).map(\.sequence) == [nil, 1, 2])
        #expect(try store.audit(.order("o-1"), limit: 2) == Array(trail.suffix(2)))
    }

    @Test(arguments: CentralBackend.allCases)
    func recordsAccountAndNodeEvents(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        try store.setRole(of: "ana@kct.example", to: .manager, by: "root")
        try store.setRole(of: "ana@kct.example", to: .manager, by: "root")
        try store.setDisabled("ana@kct.example", true, by: "root")
        try store.setDisabled("ana@kct.example", false, by: "root")
        try store.setPassword(of: "ana@kct.example", to: "a new long password", by: "root")
        let account = try store.audit(.person("ana@kct.example"))
        #expect(
            account.map(\.kind) == [.accountCreated, .roleChanged, .accountDisabled, .accountEnabled, .passwordSet])
        #expect(account[1].detail == "processor → manager (by root)")
        #expect(!account.contains { $0.detail.contains("a new long password") || $0.detail.contains("scrypt") })

        _ = try store.push(PushRequest(nodeID: "n-w1", changes: []), token: w1)
        try store.revokeNode(name: "W1")
        try store.revokeNode(name: "W1")
        let node = try store.audit(.node("w1"))
        #expect(node.map(\.kind) == [.nodeAdded, .tokenBound, .nodeRevoked])
        #expect(node[1].detail == "node id n-w1")
        #expect(!node.contains { $0.detail.contains(w1) })
        // Requests refused for their token are counted, the token itself kept nowhere.
        _ = try? store.push(PushRequest(nodeID: "n-w1", changes: []), token: w1)
        _ = try? store.push(PushRequest(nodeID: "n-w1", changes: []), token: "kct_guess")
        _ = try? store.push(PushRequest(nodeID: "n-w1", changes: []), token: nil)
        #expect(
            store.refusedTokens[.revoked] == 1 && store.refusedTokens[.unknown] == 1
                && store.refusedTokens[.missing] == 1)
    }

    @Test(arguments: CentralBackend.allCases)
    func signInEventsUploadOnceAndOnlyForTheTokensNode(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, w2) = try Self.makeStore(storage)
        let events = [
            AuthEvent(
                id: "e-1", kind: .signInFailed, email: "Ana@kct.example", at: "2026-11-25T14:00:00.000Z",
                detail: "cli: wrong password"),
            AuthEvent(
                id: "e-2", kind: .signIn, email: "ana@kct.example", at: "2026-11-25T14:00:05.000Z", detail: "cli"),
        ]
        let first = try store.recordAuthEvents(AuditUploadRequest(nodeID: "n-w1", events: events), token: w1)
        #expect(first == AuditUploadResponse(recorded: 2, duplicates: 0))
        let again = try store.recordAuthEvents(
            AuditUploadRequest(
                nodeID: "n-w1",
                events: events + [
                    AuthEvent(
                        id: "e-3", kind: .signOut, email: "ana@kct.example", at: "2026-11-25T15:00:00.000Z",
                        detail: "cli")
                ]), token: w1)
        #expect(again == AuditUploadResponse(recorded: 1, duplicates: 2))
        // W1's token is bound to n-w1 by its first upload; W2 may not upload as n-w1.
        let impostor = #expect(throws: ErrorResponse.self) {
            try store.recordAuthEvents(AuditUploadRequest(nodeID: "n-w1", events: [events[0]]), token: w2)
        }
        #expect(impostor?.code == .forbidden)
        let other = #expect(throws: ErrorResponse.self) {
            try store.recordAuthEvents(AuditUploadRequest(nodeID: "n-w2", events: []), token: w1)
        }
        #expect(other?.code == .forbidden)
        #expect(throws: ErrorResponse.self) {
            try store.recordAuthEvents(AuditUploadRequest(nodeID: "n-w1", events: []), token: nil)
        }
        let trail = try store.audit(.person("ana@kct.example")).filter { $0.kind != .accountCreated }
        #expect(trail.map(\.kind) == [.signInFailed, .signIn, .signOut])
        #expect(trail.map(\.eventID) == ["e-1", "e-2", "e-3"])
        #expect(trail.allSatisfy { $0.nodeName == "W1" })
        #expect(trail[0].happenedAt == "2026-11-25T14:00:00.000Z" && trail[0].detail == "cli: wrong password")
    }

    // SQLite only: writes to the file with GRDB (PostgresSchemaTests checks PostgreSQL's trigger).
    @Test func theTrailRefusesUpdatesAndDeletes() throws {
        let storage = try TestStoreLocation(.sqlite)
        defer { storage.remove() }
        let (store, _, _) = try Self.makeStore(storage)
        let before = try store.audit(.node("W1"))
        #expect(before.count == 1)
        let database = try DatabaseQueue(path: storage.directory.database)
        defer { try? database.close() }
        for sql in [
            "UPDATE audit SET detail = 'forged'", "DELETE FROM audit", "DELETE FROM audit WHERE kind = 'node_added'",
        ] {
            let error = #expect(throws: DatabaseError.self) { try database.write { db in try db.execute(sql: sql) } }
            #expect(error?.message?.contains("append-only") == true)
        }
        #expect(try store.audit(.node("W1")) == before)
    }
}
