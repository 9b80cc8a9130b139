import Central
import Foundation
import GRDB
import StorageSupport
import SyncCore
import TestSupport
import Testing

/// Central's last word on pushed changes (PERMISSIONS.md, "At central"): every role × every
/// kind of change, roles revoked between pushes, unknown and disabled authors, and shops.
@Suite struct AuthorizationTests {
    /// o-1 exists with item i-1 and exception x-1 (made by an admin on W0); everything else is new.
    static func setUp(_ storage: TestStoreLocation) throws -> (store: CentralStore, w1: String) {
        let store = try CentralStore.create(at: storage.location, clock: { Build.centralNow })
        let w0 = try store.addNode(name: "W0", shop: "S01").token
        let w1 = try store.addNode(name: "W1", shop: "S01").token
        try Staff.addEveryRole(store)
        let setup = try store.push(
            PushRequest(
                nodeID: "n-w0",
                changes: [
                    Build.createOrder("n-w0", 1, at: 1),
                    Build.addItem("n-w0", 2, at: 2, item: "i-1"),
                    Build.change(
                        "n-w0", 3, at: 3, entity: .exception, row: "x-1", op: .append,
                        fields: [
                            "exception_type": .text("fabric"), "exception_severity": .text("low"),
                            "description": .text("torn lining"),
                        ]),
                ]), token: w0)
        try #require(
            setup.response.outcomes.allSatisfy { $0.result == .applied },
            "setup: \(setup.response.outcomes.map { $0.reason?.description ?? "ok" })")
        return (store, w1)
    }

    /// A change of node n-w1, sequence 1, at second 5.
    static func change(_ entity: EntityKind, _ row: String, _ op: ChangeOperation, _ fields: [String: FieldValue])
        -> Change
    {
        Build.change("n-w1", 1, at: 5, entity: entity, row: row, op: op, fields: fields)
    }

    static func change(_ entity: EntityKind, _ row: String, _ fields: [String: FieldValue]) -> Change {
        change(entity, row, .setFields, fields)
    }

    static func order(_ fields: [String: FieldValue]) -> Change { change(.order, "o-1", .setFields, fields) }

    static func move(from: String, to: String, resume: String? = nil) -> Change {
        var fields: [String: FieldValue] = ["status": .text(to), "from_status": .text(from)]
        if let resume { fields["from_resume_status"] = .text(resume) }
        return change(.order, "o-1", .setStatus, fields)
    }

    static func history(to: String, from: String) -> Change {
        change(
            .statusHistory, "h-9", .append,
            [
                "to_status": .text(to), "from_status": .text(from), "changed_by": .text("w1@kct.example"),
                "changed_at": .text("2025-11-25T14:00:05.000Z"),
            ])
    }

    /// Each kind of change and the least role that may make it, written from PERMISSIONS.md.
    /// (Deleting an order is missing: the sync protocol refuses it for everyone before roles.)
    static let kinds: [(String, Change, StaffRole)] = [
        ("create order", Build.createOrder("n-w1", 1, at: 5, order: "o-2"), .processor),
        ("edit customer name", order(["customer_name": .text("Ada King")]), .processor),
        ("edit notes", order(["notes": .text("left sleeve 1cm")]), .processor),
        ("edit needed_by", order(["needed_by": .text("2026-12-24")]), .processor),
        ("change priority", order(["priority": .text("rush")]), .manager),
        ("change tax", order(["tax_amount": .integer(100)]), .manager),
        ("change shipping", order(["shipping_amount": .integer(100)]), .manager),
        ("change currency", order(["currency": .text("EUR")]), .manager),
        ("notes and priority", order(["notes": .text("x"), "priority": .text("high")]), .manager),
        ("add item", Build.addItem("n-w1", 1, at: 5, item: "i-2"), .processor),
        ("edit item size", change(.orderItem, "i-1", ["size": .text("42L")]), .processor),
        ("edit quantity", change(.orderItem, "i-1", ["quantity": .integer(2)]), .processor),
        ("change unit price", change(.orderItem, "i-1", ["unit_price": .integer(1)]), .manager),
        ("remove item", change(.orderItem, "i-1", .delete, [:]), .processor),
        ("confirm payment", move(from: "pending_payment", to: "payment_confirmed"), .manager),
        (
            "resume to payment_confirmed", move(from: "on_hold", to: "payment_confirmed", resume: "payment_confirmed"),
            .processor
        ),
        ("start processing", move(from: "payment_confirmed", to: "processing"), .processor),
        ("ship", move(from: "packaging", to: "shipped"), .processor),
        ("hold", move(from: "processing", to: "on_hold"), .processor),
        ("cancel", move(from: "processing", to: "cancelled"), .manager),
        ("refund", move(from: "delivered", to: "refunded"), .manager),
        ("history to shipped", history(to: "shipped", from: "packaging"), .processor),
        ("history to cancelled", history(to: "cancelled", from: "processing"), .manager),
        (
            "open exception",
            change(
                .exception, "x-2", .append,
                [
                    "exception_type": .text("late"), "exception_severity": .text("high"),
                    "description": .text("late cloth"),
                ]), .processor
        ),
        ("investigate exception", change(.exception, "x-1", ["resolution_status": .text("investigating")]), .processor),
        ("resolve exception", change(.exception, "x-1", ["resolution_status": .text("resolved")]), .manager),
        (
            "log communication",
            change(
                .communicationLog, "c-1", .append,
                [
                    "communication_type": .text("note"), "communication_channel": .text("phone"),
                    "message_content": .text("called"),
                ]), .processor
        ),
    ]

    @Test(arguments: CentralBackend.allCases, kinds.map(\.0))
    func everyRoleAgainstEveryKindOfChangeAtCentral(_ backend: CentralBackend, _ name: String) throws {
        let (_, template, minimum) = try #require(Self.kinds.first { $0.0 == name })
        for role in StaffRole.allCases {
            let storage = try TestStoreLocation(backend)
            defer { storage.remove() }
            let (store, w1) = try Self.setUp(storage)
            var change = template
            change.author = Staff.email(role)
            let outcome = try #require(
                try store.push(PushRequest(nodeID: "n-w1", changes: [change]), token: w1).response.outcomes.first)
            if role >= minimum {
                #expect(
                    outcome.result != .rejected,
                    "\(role) should be allowed to \(name): \(outcome.reason?.description ?? "")")
            } else {
                #expect(
                    outcome.result == .rejected && outcome.reason?.code == .forbidden,
                    "\(role) should be refused \(name)")
                #expect(
                    outcome.reason?.message.contains("\(Staff.email(role)) is \(role.withArticle) and may not") == true)
                #expect(store.headVersion == 3, "a refused change is not logged")
            }
        }
    }

    @Test(arguments: CentralBackend.allCases)
    func aRoleRevokedBetweenPushesRejectsTheLaterChangesOnly(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1) = try Self.setUp(storage)
        let processor = Staff.email(.processor)
        let first = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 1, at: 5, entity: .order, row: "o-1", fields: ["notes": .text("before")],
                        author: processor)
                ]), token: w1)
        #expect(first.response.outcomes.map(\.result) == [.applied])
        // Another process (`kct central set-role`) demotes the processor while W1 is offline.
        try CentralStore.open(at: storage.location).setRole(of: processor, to: .viewer, by: "tests")
        let second = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 2, at: 6, entity: .order, row: "o-1", fields: ["notes": .text("after")],
                        author: processor),
                    Build.change(
                        "n-w1", 3, at: 7, entity: .order, row: "o-1", fields: ["customer_name": .text("Ada King")],
                        author: Staff.email(.manager)),
                ]), token: w1)
        #expect(second.response.outcomes.map { $0.reason?.code } == [.forbidden, nil])
        #expect(second.response.outcomes.first?.reason?.message.contains("is a viewer") == true)
        // Disabled, even as an admin, the account's changes are refused.
        try CentralStore.open(at: storage.location).setRole(of: processor, to: .admin, by: "tests")
        try CentralStore.open(at: storage.location).setDisabled(processor, true, by: "tests")
        let third = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 4, at: 8, entity: .order, row: "o-1", fields: ["notes": .text("disabled")],
                        author: processor),
                    Build.change(
                        "n-w1", 5, at: 9, entity: .order, row: "o-1", fields: ["notes": .text("nobody")],
                        author: "nobody@kct.example"),
                ]), token: w1)
        #expect(third.response.outcomes.map { $0.reason?.code } == [.accountDisabled, .unknownAuthor])
        #expect(third.response.acknowledgedThrough == 5)
        // The earlier change stands; none of the refused ones reached the replica or the log.
        let notes = try store.pull(PullRequest(after: 0)).entries.compactMap { $0.change.fields["notes"] }
        #expect(notes == [.text("before")])
        try store.setDisabled(processor, false, by: "tests")
        let again = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 6, at: 10, entity: .order, row: "o-1", fields: ["notes": .text("enabled")],
                        author: processor)
                ]), token: w1)
        #expect(again.response.outcomes.map(\.result) == [.applied])
    }

    @Test(arguments: CentralBackend.allCases)
    func aNodeMayChangeOnlyItsOwnShopsOrders(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1) = try Self.setUp(storage)
        let other = try store.addNode(name: "W9", shop: "S02").token
        // A token of shop S02 (stolen or not) cannot touch S01's order o-1 …
        let stolen = try store.push(
            PushRequest(
                nodeID: "n-w9",
                changes: [
                    Build.change("n-w9", 1, at: 5, entity: .order, row: "o-1", fields: ["notes": .text("mine now")]),
                    Build.move("n-w9", 2, at: 6, from: "pending_payment", to: "cancelled"),
                    Build.addItem("n-w9", 3, at: 7, item: "i-9"),
                    // … but creates and edits its own orders.
                    Build.createOrder("n-w9", 4, at: 8, order: "o-9"),
                    Build.addItem("n-w9", 5, at: 9, item: "i-91", order: "o-9"),
                ]), token: other)
        #expect(stolen.response.outcomes.map { $0.reason?.code } == [.wrongShop, .wrongShop, .wrongShop, nil, nil])
        // The reply names the pushing node's shop, never the order's (SYNC-PROTOCOL.md §2 "Scopes").
        let message = stolen.response.outcomes.first?.reason?.message ?? ""
        #expect(message.contains("is not an order of shop S02") && !message.contains("S01"), "\(message)")
        // And S01's workstation cannot touch S02's order.
        let back = try store.push(
            PushRequest(
                nodeID: "n-w1",
                changes: [
                    Build.change(
                        "n-w1", 1, at: 10, entity: .order, row: "o-9", order: "o-9", fields: ["notes": .text("hello")])
                ]), token: w1)
        #expect(back.response.outcomes.map { $0.reason?.code } == [.wrongShop])
        #expect(try store.audit(.node("W9")).filter { $0.code == "wrong_shop" }.count == 3)
    }

    // SQLite only: a store from before one of SQLite's migrations; PostgreSQL's schema starts past them all.
    @Test func ordersPushedBeforeTheMigrationBelongToTheirCreatorsShop() throws {
        let storage = try TestStoreLocation(.sqlite)
        defer { storage.remove() }
        _ = try Self.setUp(storage)
        // Turn the file back into a store from before staff accounts (its log as text, as then):
        // the migration then runs again on open and must find o-1's shop from the log.
        let database = try DatabaseQueue(path: storage.directory.database)
        try database.write { db in
            try PackedLogTests.unpackLog(SQLiteConnection(db))
            for table in ["accounts", "order_shops", "audit"] { try db.execute(sql: "DROP TABLE \(table)") }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '2026-11-26-staff-accounts-audit'")
        }
        try database.close()
        let store = try CentralStore.open(at: storage.location, clock: { Build.centralNow })
        try Staff.addEveryRole(store)
        let other = try store.addNode(name: "W9", shop: "S02").token
        let stolen = try store.push(
            PushRequest(
                nodeID: "n-w9",
                changes: [
                    Build.change("n-w9", 1, at: 5, entity: .order, row: "o-1", fields: ["notes": .text("mine now")])
                ]), token: other)
        #expect(stolen.response.outcomes.map { $0.reason?.code } == [.wrongShop])
    }
}
