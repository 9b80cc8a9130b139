import Foundation
import GRDB
import TestSupport
import Testing

/// `kct conflicts …` through the binary. A conflict is what a push reply or pull records; here
/// one is written into the replica's conflicts table the way the store records a superseded
/// notes edit, so the commands can be driven without a central.
@Suite struct ConflictsCLITests {
    let kct = KCTProcess()

    init() throws {
        let created = try kct.run("init", "--name", "W1", "--shop", "S01")
        try #require(created.status == 0, "init failed: \(created.stderr)")
        try kct.signInAdmin()
    }

    /// An order whose notes edit (outbox sequence `sequence`) lost to "from W2"; returns the order number.
    func orderWithLostNotes() throws -> (orderNumber: String, orderID: String, sequence: Int64) {
        let created = try kct.run(
            "orders", "create", "--json", "--customer", "Jane Doe", "--email", "jane@example.com",
            "--item", "name=Navy Suit,qty=1,price=899.00")
        try #require(created.status == 0, "create failed: \(created.stderr)")
        let order = try created.object()
        let number = try #require(order["order_number"] as? String), id = try #require(order["id"] as? String)
        let update = try kct.run("orders", "update", number, "--notes", "from W1")
        try #require(update.status == 0, "update failed: \(update.stderr)")
        let database = try DatabaseQueue(path: kct.dataDir + "/replica.sqlite")
        let sequence = try database.write { db in
            let sequence = try #require(try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM outbox"))
            try db.execute(sql: "UPDATE orders SET notes = 'from W2' WHERE id = ?", arguments: [id])
            try db.execute(
                sql: """
                    INSERT INTO conflicts (sequence, field, order_id, order_number, entity, row_id, op, wanted,
                      winner, kind, code,
                      message, author, hlc, workstation, recorded_at)
                    SELECT sequence, 'notes', order_id, ?, entity, row_id, op, '"from W1"',
                      '{"hlc":117637120000000000,"node_id":"node-w2","sequence":7,"value":"from W2","version":12}',
                      'superseded', 'newer_value', 'notes was set to ''from W2'' on node node-w2, later than this edit',
                      author, hlc, 'W1', '2026-11-25T12:00:00.000Z'
                    FROM outbox WHERE sequence = ?
                    """,
                arguments: [number, sequence])
            return sequence
        }
        return (number, id, sequence)
    }

    @Test func listShowDismiss() throws {
        defer { kct.cleanUp() }
        #expect(try kct.run("conflicts", "list").stdout.contains("no open conflicts"))
        let (number, _, sequence) = try orderWithLostNotes()
        let list = try kct.run("conflicts", "list")
        #expect(list.status == 0)
        #expect(
            list.stdout.contains(number) && list.stdout.contains("newer_value") && list.stdout.contains("'from W1'"))
        let entries = try kct.run("conflicts", "list", "--json").array()
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry["field"] as? String == "notes")
        #expect(entry["wanted"] as? String == "from W1")
        #expect(entry["kind"] as? String == "superseded")
        #expect(entry["workstation"] as? String == "W1")
        #expect(entry["author"] as? String == "tester@kct.example")
        #expect(entry["sequence"] as? Int == Int(sequence))
        #expect((entry["winner"] as? [String: Any])?["value"] as? String == "from W2")
        let id = try #require(entry["id"] as? Int)
        let show = try kct.run("conflicts", "show", String(id))
        #expect(show.status == 0)
        #expect(show.stdout.contains("node node-w2") && show.stdout.contains("tester@kct.example on W1"))
        #expect(try kct.run("conflicts", "dismiss", String(id)).status == 0)
        #expect(try kct.run("conflicts", "list").stdout.contains("no open conflicts"))
        #expect(try kct.run("conflicts", "list", "--all", "--json").array().first?["state"] as? String == "dismissed")
        let again = try kct.run("conflicts", "dismiss", String(id))
        #expect(again.status == 1 && again.stderr.contains("already dismissed"))
        let missing = try kct.run("conflicts", "show", "999")
        #expect(missing.status == 2 && missing.stderr.contains("no conflict 999"))
    }

    @Test func reapplyMakesANewEdit() throws {
        defer { kct.cleanUp() }
        let (number, _, sequence) = try orderWithLostNotes()
        let id = try #require(try kct.run("conflicts", "list", "--json").array().first?["id"] as? Int)
        let reapplied = try kct.run("conflicts", "reapply", String(id))
        #expect(reapplied.status == 0, "\(reapplied.stderr)")
        #expect(reapplied.stdout.contains("outbox sequence \(sequence + 1)"))
        #expect(try kct.run("orders", "show", number, "--json").object()["notes"] as? String == "from W1")
        let entry = try #require(try kct.run("conflicts", "list", "--all", "--json").array().first)
        #expect(entry["state"] as? String == "reapplied")
        #expect(entry["reapplied_sequence"] as? Int == Int(sequence + 1))
        let twice = try kct.run("conflicts", "reapply", String(id))
        #expect(twice.status == 1 && twice.stderr.contains("already re-applied"))
    }
}
