import Central
import Foundation
import GRDB
import StorageSupport
import SyncCore
import Testing

/// Central stores made before 2026-12-08 (rows in the fixed-width layout, `outcomes` holding each
/// received change's text) are rewritten compact when opened, read back the same, and still
/// recognise a resent settled change and refuse a different one under its sequence.
@Suite struct CompactStorageTests {
    // SQLite only: a store from before one of SQLite's migrations; PostgreSQL's schema starts past them all.
    @Test func anOlderStoreIsRewrittenCompactAndKeepsItsRecords() throws {
        let storage = try TestStoreLocation(.sqlite)
        defer { storage.remove() }
        let (store, w1, w2) = try LedgerTests.makeStore(storage)
        var replies: [PushResponse] = []
        for request in LedgerTests.scenario {
            replies.append(try store.push(request, token: request.nodeID == "n-w1" ? w1 : w2).response)
        }
        let snapshot = try store.replicaSnapshot()
        let received = LedgerTests.scenario.flatMap(\.changes)
        try DatabaseQueue(path: storage.directory.database).write { db in
            // Rows back to the old layout.
            for row in try Row.fetchAll(db, sql: "SELECT * FROM rows") {
                let key = RowKey(try #require(EntityKind(rawValue: row["entity"])), row["row_id"])
                let state = try RowStateCodec.decode(row, key: key, table: "rows")
                try db.execute(
                    sql: "UPDATE rows SET fields = ?, appended = ?, tombstone = ? WHERE entity = ? AND row_id = ?",
                    arguments: [
                        Data(RowStateCodec.encodeLegacy(fields: state.fields)),
                        state.appended.map { Data(RowStateCodec.encodeLegacy($0)) },
                        state.tombstone.map { Data(RowStateCodec.encodeLegacy($0)) }, key.entity.rawValue, key.rowID,
                    ])
            }
            // Outcomes back to the received text.
            try db.execute(
                sql: """
                    CREATE TABLE outcomes_old (node_id TEXT NOT NULL, sequence INTEGER NOT NULL, change TEXT NOT NULL,
                      outcome TEXT NOT NULL, PRIMARY KEY (node_id, sequence)) WITHOUT ROWID
                    """)
            for change in received {
                try db.execute(
                    sql: """
                        INSERT INTO outcomes_old SELECT node_id, sequence, ?, outcome FROM outcomes
                        WHERE node_id = ? AND sequence = ?
                        """,
                    arguments: [change.wire.canonicalString, change.nodeID, change.sequence])
            }
            try db.execute(
                sql: """
                    DROP TABLE outcomes; ALTER TABLE outcomes_old RENAME TO outcomes;
                    DELETE FROM grdb_migrations WHERE identifier = '2026-12-08-compact-rows'
                    """)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM outcomes") == received.count)
        }

        let reopened = try CentralStore.open(path: storage.directory.database)
        #expect(try reopened.replicaSnapshot() == snapshot)
        let layouts = try DatabaseQueue(path: storage.directory.database).read { db in
            try Data.fetchAll(db, sql: "SELECT fields FROM rows").map(RowStateCodec.isLegacy)
        }
        #expect(!layouts.isEmpty && layouts.allSatisfy { !$0 })
        // The same pushes again: every outcome is the recorded one, replayed.
        for (request, reply) in zip(LedgerTests.scenario, replies) {
            let again = try reopened.push(request, token: request.nodeID == "n-w1" ? w1 : w2).response
            #expect(again.outcomes.allSatisfy { $0.replayed })
            #expect(again.outcomes.map(\.result) == reply.outcomes.map(\.result))
        }
        // A different change under a settled sequence is still refused.
        let restored = PushRequest(
            nodeID: "n-w1", changes: [Build.change("n-w1", 3, at: 3, ["notes": .text("something else")])])
        let error = #expect(throws: ErrorResponse.self) { try reopened.push(restored, token: w1) }
        #expect(error?.code == .sequenceReused)
    }
}
