import Central
import Foundation
import GRDB
import SyncCore
import TestSupport
import Testing

/// The SQLite ledger against the reference in-memory `CentralModel`, and its idempotency,
/// refusals and durability.
@Suite struct LedgerTests {
    /// A store with W1 and W2 registered; returns their tokens.
    static func makeStore(_ storage: TestStoreLocation, now: UInt64 = Build.centralNow) throws -> (
        CentralStore, w1: String, w2: String
    ) {
        let store = try CentralStore.create(at: storage.location, clock: { now })
        let w1 = try store.addNode(name: "W1", shop: "S01").token
        let w2 = try store.addNode(name: "W2", shop: "S01").token
        try Staff.addEveryRole(store)
        return (store, w1, w2)
    }

    /// The pushes of a small scenario: creation, items, a concurrent edit, status moves, a
    /// rejected central-only field, an unknown field, a clock far ahead, a deleted item.
    static let scenario: [PushRequest] = [
        PushRequest(
            nodeID: "n-w1",
            changes: [
                Build.createOrder("n-w1", 1, at: 1),
                Build.addItem("n-w1", 2, at: 2, item: "i-1", quantity: 2, price: 10_000),
                Build.change("n-w1", 3, at: 3, ["notes": .text("gift wrap")]),
            ]),
        PushRequest(
            nodeID: "n-w2",
            changes: [
                Build.change("n-w2", 1, at: 2, ["notes": .text("call first")], base: 0),
                Build.addItem("n-w2", 2, at: 4, item: "i-2", quantity: 1, price: 5_000),
                Build.change("n-w2", 3, at: 5, ["payment_status": .text("paid")]),
                Build.change("n-w2", 4, at: 6, ["favourite_colour": .text("navy")]),
                Build.move("n-w2", 5, at: 7, from: "pending_payment", to: "payment_confirmed"),
            ]),
        PushRequest(
            nodeID: "n-w1",
            changes: [
                Build.move("n-w1", 4, at: 8, from: "pending_payment", to: "cancelled"),
                Build.change(
                    "n-w1", 5, at: 2 * 86_400, entity: .orderItem, row: "i-1", fields: ["quantity": .integer(3)]),
                Build.change("n-w1", 6, at: 9, entity: .orderItem, row: "i-2", op: .delete, fields: [:]),
                Build.change("n-w1", 7, at: 10, entity: .orderItem, row: "i-9", fields: ["quantity": .integer(1)]),
            ]),
    ]

    @Test(arguments: CentralBackend.allCases)
    func settlesExactlyAsTheReferenceModel(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, w2) = try Self.makeStore(storage)
        var model = CentralModel()
        for request in Self.scenario {
            let token = request.nodeID == "n-w1" ? w1 : w2
            let expected = try model.push(request, authenticatedNode: request.nodeID, nowMillis: Build.centralNow)
            let result = try store.push(request, token: token)
            #expect(result.response == expected)
        }
        #expect(try store.replicaSnapshot() == model.replica.snapshot)
        #expect(store.headVersion == model.headVersion)
        for after in [Int64(0), 2, 5, model.headVersion] {
            for limit in [1, 3, 500] {
                let request = PullRequest(after: after, limit: limit)
                #expect(try store.pullPage(request).body == model.pull(request).encoded())
            }
        }
        // Outcomes of the scenario, so the comparison above is not between two empty answers.
        let outcomes = try store.pull(PullRequest(after: 0)).entries
        #expect(outcomes.count == 9)
    }

    @Test(arguments: CentralBackend.allCases)
    func totalsAreRecomputedWithOrderDomain(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, w2) = try Self.makeStore(storage)
        _ = try store.push(Self.scenario[0], token: w1)
        #expect(
            try store.derivedFields(RowKey(.order, "o-1")) == [
                "subtotal_amount": .integer(20_000), "total_amount": .integer(20_500),
            ])
        _ = try store.push(Self.scenario[1], token: w2)
        _ = try store.push(Self.scenario[2], token: w1)
        // i-1 is now 3 × 100.00, i-2 was deleted; tax 5.00.
        #expect(try store.derivedFields(RowKey(.orderItem, "i-1")) == ["total_price": .integer(30_000)])
        #expect(try store.derivedFields(RowKey(.orderItem, "i-2")) == nil)
        #expect(
            try store.derivedFields(RowKey(.order, "o-1")) == [
                "subtotal_amount": .integer(30_000), "total_amount": .integer(30_500),
            ])
    }

    /// `OrderTotalsRule` (SyncCore, the nodes' rule too): amounts out of OrderDomain's range are 0.
    @Test(arguments: CentralBackend.allCases)
    func totalsOutOfRangeAreZero(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        let result = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.createOrder("n-w1", 1, at: 1),
                    Build.addItem("n-w1", 2, at: 2, item: "i-1", quantity: 2, price: FieldCatalog.maximumMinorUnits),
                    Build.addItem("n-w1", 3, at: 3, item: "i-2", quantity: 1, price: 5_000),
                ]),
            token: w1)
        #expect(result.response.outcomes.allSatisfy { $0.result == .applied })
        #expect(try store.derivedFields(RowKey(.orderItem, "i-1")) == ["total_price": .integer(0)])
        #expect(try store.derivedFields(RowKey(.orderItem, "i-2")) == ["total_price": .integer(5_000)])
        #expect(
            try store.derivedFields(RowKey(.order, "o-1")) == [
                "subtotal_amount": .integer(0), "total_amount": .integer(0),
            ])
    }

    /// A store made before rows were binary (each row SyncCore's JSON wire form) is converted
    /// when opened, and reads back the same.
    // SQLite only: a store from before one of SQLite's migrations; PostgreSQL's schema starts past them all.
    @Test func jsonRowsOfAnOlderStoreBecomeBinary() throws {
        let storage = try TestStoreLocation(.sqlite)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        _ = try store.push(Self.scenario[0], token: w1)
        let snapshot = try store.replicaSnapshot()
        guard case .object(let members) = snapshot, case .array(let rows)? = members["rows"] else {
            Issue.record("no rows in \(snapshot)")
            return
        }
        try DatabaseQueue(path: storage.directory.database).write { db in
            for case .object(let row) in rows {
                guard case .string(let entity)? = row["entity"], case .string(let rowID)? = row["row_id"] else {
                    continue
                }
                try db.execute(
                    sql: "UPDATE rows SET fields = ?, appended = ?, tombstone = ? WHERE entity = ? AND row_id = ?",
                    arguments: [
                        row["fields"]?.canonicalString, row["appended"]?.canonicalString,
                        row["tombstone"]?.canonicalString, entity, rowID,
                    ])
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '2026-12-07-binary-rows'")
        }
        #expect(rows.count == 2)
        let reopened = try CentralStore.open(at: storage.location)
        #expect(try reopened.replicaSnapshot() == snapshot)
        let kinds = try DatabaseQueue(path: storage.directory.database).read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT typeof(fields) FROM rows")
        }
        #expect(kinds == ["blob"])
    }

    /// A stored stamp changed behind kct's back (raw SQL) is reported as a corrupt value.
    // SQLite only: corrupts the file with GRDB.
    @Test func aCorruptStoredStampIsReportedNotTrapped() throws {
        let storage = try TestStoreLocation(.sqlite)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        let pushed = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.createOrder("n-w1", 1, at: 1),
                    Build.move("n-w1", 2, at: 2, from: "pending_payment", to: "on_hold"),
                ]),
            token: w1)
        #expect(pushed.response.outcomes.allSatisfy { $0.result == .applied })
        let corrupted = try DatabaseQueue(path: storage.directory.database).write { db in
            try db.execute(sql: "UPDATE status_moves SET hlc = -1")
            return db.changesCount
        }
        #expect(corrupted == 1)
        do {
            _ = try store.replicaSnapshot()
            Issue.record("a negative stamp was read back")
        } catch {
            guard case .corruptValue(let table, let column, _) = error else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(table == "status_moves" && column == "hlc")
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func aResentBatchIsAcknowledgedAgainAndNeverAppliedTwice(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        let first = try store.push(Self.scenario[0], token: w1)
        let snapshot = try store.replicaSnapshot()
        let again = try store.push(Self.scenario[0], token: w1)
        #expect(again.response.outcomes.allSatisfy { $0.replayed })
        #expect(again.response.outcomes.map(\.version) == first.response.outcomes.map(\.version))
        #expect(again.settled.isEmpty)
        #expect(store.headVersion == 3)
        #expect(try store.replicaSnapshot() == snapshot)
        // A batch overlapping settled and new sequences settles only the new ones.
        let overlap = PushRequest(
            nodeID: "n-w1",
            changes: [Self.scenario[0].changes[2], Build.change("n-w1", 4, at: 20, ["notes": .text("later")])])
        let mixed = try store.push(overlap, token: w1)
        #expect(mixed.response.outcomes.map(\.replayed) == [true, false])
        #expect(mixed.response.acknowledgedThrough == 4 && store.headVersion == 4)
    }

    @Test(arguments: CentralBackend.allCases)
    func aGapIsRefusedWithTheSequenceToResendFrom(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        _ = try store.push(Self.scenario[0], token: w1)
        let snapshot = try store.replicaSnapshot()
        let gap = PushRequest(nodeID: "n-w1", changes: [Build.change("n-w1", 6, at: 30, ["notes": .text("lost")])])
        let error = #expect(throws: ErrorResponse.self) { try store.push(gap, token: w1) }
        #expect(error?.code == .sequenceGap && error?.expectedSequence == 4 && error?.httpStatus == 409)
        #expect(try store.replicaSnapshot() == snapshot && store.headVersion == 3)
    }

    @Test(arguments: CentralBackend.allCases)
    func aDifferentChangeUnderASettledSequenceIsRefused(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        _ = try store.push(Self.scenario[0], token: w1)
        let restored = PushRequest(
            nodeID: "n-w1", changes: [Build.change("n-w1", 3, at: 3, ["notes": .text("something else")])])
        let error = #expect(throws: ErrorResponse.self) { try store.push(restored, token: w1) }
        #expect(error?.code == .sequenceReused && error?.expectedSequence == 4)
        #expect(store.headVersion == 3)
    }

    @Test(arguments: CentralBackend.allCases)
    func rejectedChangesAreSettledButChangeNothing(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, _) = try Self.makeStore(storage)
        _ = try store.push(Self.scenario[0], token: w1)
        let snapshot = try store.replicaSnapshot()
        let bad = PushRequest(
            nodeID: "n-w1",
            changes: [
                Build.change(
                    "n-w1", 4, at: 10, entity: .order, row: "o-404", order: "o-404",
                    fields: ["notes": .text("no such order")]),
                Build.change("n-w1", 5, at: 11, ["shoe_size": .integer(44)]),
                Build.change("n-w1", 6, at: 12, ["total_amount": .integer(1)]),
                Build.change("n-w1", 7, at: 13, ["payment_status": .text("paid")]),
                Build.move("n-w1", 8, at: 14, from: "pending_payment", to: "shipped"),
            ])
        let result = try store.push(bad, token: w1)
        #expect(result.response.outcomes.map(\.result) == Array(repeating: .rejected, count: 5))
        #expect(
            result.response.outcomes.map { $0.reason?.code } == [
                .unknownRow, .unknownField, .derivedField, .centralOnlyField, .illegalTransition,
            ])
        #expect(result.response.acknowledgedThrough == 8)
        #expect(try store.replicaSnapshot() == snapshot && store.headVersion == 3)
    }

    @Test(arguments: CentralBackend.allCases)
    func tokensAndNodeIDsAreChecked(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, w2) = try Self.makeStore(storage)
        let unknown = #expect(throws: ErrorResponse.self) { try store.push(Self.scenario[0], token: "kct_not-a-token") }
        #expect(unknown?.code == .unauthorized)
        _ = try store.push(Self.scenario[0], token: w1)
        #expect(try store.nodes().first { $0.name == "W1" }?.nodeID == "n-w1")
        // W1's token is bound to n-w1 now; W2 may not take n-w1 either.
        let impostor = #expect(throws: ErrorResponse.self) {
            try store.push(PushRequest(nodeID: "n-other", changes: []), token: w1)
        }
        #expect(impostor?.code == .forbidden)
        let taken = #expect(throws: ErrorResponse.self) {
            try store.push(PushRequest(nodeID: "n-w1", changes: []), token: w2)
        }
        #expect(taken?.code == .forbidden)
        let reserved = #expect(throws: ErrorResponse.self) {
            try store.push(PushRequest(nodeID: "central", changes: []), token: w2)
        }
        #expect(reserved?.code == .forbidden)
        #expect(try store.nodes().first { $0.name == "W2" }?.nodeID == nil)
        try store.revokeNode(name: "W1")
        let revoked = #expect(throws: ErrorResponse.self) { try store.push(Self.scenario[0], token: w1) }
        #expect(revoked?.code == .unauthorized)
        #expect(throws: CentralError.self) { try store.addNode(name: "central", shop: "S01") }
        #expect(throws: CentralError.self) { try store.addNode(name: "w2", shop: "S01") }
    }

    @Test(arguments: CentralBackend.allCases)
    func stateSurvivesClosingAndReopening(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        var snapshot: JSONValue
        let w1: String
        do {
            let (store, token, w2) = try Self.makeStore(storage)
            w1 = token
            _ = try store.push(Self.scenario[0], token: w1)
            _ = try store.push(Self.scenario[1], token: w2)
            snapshot = try store.replicaSnapshot()
        }
        let reopened = try CentralStore.open(at: storage.location, clock: { Build.centralNow })
        #expect(try reopened.replicaSnapshot() == snapshot)
        #expect(reopened.headVersion == 6)
        let resent = try reopened.push(Self.scenario[0], token: w1)
        #expect(resent.response.outcomes.allSatisfy { $0.replayed })
        let next = try reopened.push(Self.scenario[2], token: w1)
        #expect(next.response.outcomes.first?.version == 7)
        snapshot = try reopened.replicaSnapshot()
        #expect(snapshot != .null)
    }

    // SQLite only: a stray SQLite file at the store's path.
    @Test func refusesAStrayFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let other = try DatabaseQueue(path: directory.database)
        try other.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        try other.close()
        #expect(throws: CentralError.self) { try CentralStore.open(path: directory.database) }
        #expect(throws: CentralError.self) { try CentralStore.create(path: directory.database) }
    }
}
