import Foundation
import SQLAccess
import SyncCore
import TestSupport
import Testing

@testable import Central

/// Stores made before 2026-12-09 kept each log entry's change as its JSON text, filed under its
/// shop by a trigger that read that text. Opened, their log is rewritten packed
/// (`LogChangeCodec`): pulls answer the same bytes, scoped pulls the same entries, and new
/// entries are filed under their shops without the trigger. On both backends, each from a
/// database turned back into the form the previous schema wrote.
@Suite struct PackedLogTests {
    @Test(arguments: CentralBackend.allCases)
    func anOlderLogIsPackedAndPullsTheSameBytes(_ backend: CentralBackend) throws {
        let storage = try TestStoreLocation(backend)
        defer { storage.remove() }
        let (store, w1, w2) = try LedgerTests.makeStore(storage)
        for request in LedgerTests.scenario {
            _ = try store.push(request, token: request.nodeID == "n-w1" ? w1 : w2)
        }
        let everything = PullRequest(after: 0, limit: 1_000)
        let page = try store.pullPage(everything).body
        let shopPage = try store.pullPage(everything, shop: "S01").body
        let otherShopPage = try store.pullPage(everything, shop: "S02").body
        #expect(try PullResponse.decode(shopPage).entries.count == (try PullResponse.decode(page)).entries.count)
        let entries = try PullResponse.decode(page).entries
        #expect(!entries.isEmpty)

        try store.database.write { conn in try Self.unpackLog(conn) }
        try store.database.read { conn in
            // The previous schema's form: text, which the migration reads.
            let text: String? = try conn.fetchValue("SELECT change FROM log ORDER BY version LIMIT 1")
            #expect(text == entries.first?.change.wire.canonicalString)
        }

        let reopened = try CentralStore.open(at: storage.location)
        #expect(try reopened.pullPage(everything).body == page)
        #expect(try reopened.pullPage(everything, shop: "S01").body == shopPage)
        #expect(try reopened.pullPage(everything, shop: "S02").body == otherShopPage)
        try reopened.database.read { conn in
            let stored: Data? = try conn.fetchValue("SELECT change FROM log ORDER BY version LIMIT 1")
            #expect(stored?.first == LogChangeCodec.formatV1)
            #expect(stored.map(\.count) ?? .max < (entries.first?.change.wire.canonicalString.utf8.count ?? 0))
        }
        // A new entry is filed under its order's shop by the push itself.
        let next = PushRequest(nodeID: "n-w1", changes: [Build.createOrder("n-w1", 8, at: 20, order: "o-2")])
        let outcome = try #require(try reopened.push(next, token: w1).response.outcomes.first)
        let version = try #require(outcome.version)
        let newEntries = PullRequest(after: version - 1)
        let filed = try PullResponse.decode(try reopened.pullPage(newEntries, shop: "S01").body)
        #expect(filed.entries.map { $0.version } == [version])
        let elsewhere = try PullResponse.decode(try reopened.pullPage(newEntries, shop: "S02").body)
        #expect(elsewhere.entries.isEmpty)
    }

    /// Turns the log back into the previous schema's form (text changes, the filing trigger) and
    /// marks the packing migration as not applied.
    static func unpackLog(_ conn: any SQLConnection) throws {
        let postgres = conn.dialect == .postgres
        try conn.executeScript(
            "CREATE TABLE log_text (version \(postgres ? "bigint" : "INTEGER") PRIMARY KEY, change TEXT NOT NULL, "
                + "displaced TEXT NOT NULL)")
        let unpacker = try LogChangeUnpacker()
        var rows: [[SQLValue]] = []
        try conn.forEachRow("SELECT version, change, displaced FROM log", []) { row in
            let text = try unpacker.unpack(try row.read(at: 1, table: "log", as: Data.self))
            rows.append([row.values[0], .text(String(decoding: text, as: UTF8.self)), row.values[2]])
            return true
        }
        try conn.executeMany("INSERT INTO log_text (version, change, displaced) VALUES (?, ?, ?)", rows)
        if postgres {
            try conn.executeScript(
                """
                DROP TABLE log; ALTER TABLE log_text RENAME TO log; ALTER INDEX log_text_pkey RENAME TO log_pkey;
                \(CentralPostgresSchema.logShopsTrigger)
                DELETE FROM central_migrations WHERE id = '2026-12-09-packed-log';
                """)
        } else {
            try conn.executeScript(
                """
                DROP TABLE log; ALTER TABLE log_text RENAME TO log;
                CREATE TRIGGER log_shops_on_append AFTER INSERT ON log BEGIN
                  INSERT INTO log_shops (shop, version)
                    SELECT shop, NEW.version FROM order_shops
                    WHERE order_id = json_extract(NEW.change, '$.order_id');
                END;
                DELETE FROM grdb_migrations WHERE identifier = '2026-12-09-packed-log';
                """)
        }
    }
}
