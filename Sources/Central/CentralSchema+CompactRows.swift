import Foundation
import GRDB
import StorageSupport
import SyncCore

extension CentralSchema {
    /// `outcomes` kept every settled change's received text beside the log's accepted copy; only
    /// its digest is ever needed (ReceivedChangeDigest). Rebuilds the table with the digest of
    /// each stored change, computed from the same canonical text it was stored as.
    static func digestReceivedChanges(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outcomes_digested (
                  node_id TEXT NOT NULL,
                  sequence INTEGER NOT NULL,
                  change_digest BLOB NOT NULL CHECK (length(change_digest) = 32),
                  outcome TEXT NOT NULL,
                  PRIMARY KEY (node_id, sequence)
                ) WITHOUT ROWID
                """)
        let insert = try db.makeStatement(
            sql: "INSERT INTO outcomes_digested (node_id, sequence, change_digest, outcome) VALUES (?, ?, ?, ?)")
        let rows = try Row.fetchCursor(db, sql: "SELECT node_id, sequence, change, outcome FROM outcomes")
        while let row = try rows.next() {
            let text: String = row["change"]
            let change: Change
            do { change = try Change.decode(Array(text.utf8)) } catch {
                throw CorruptStoredValue(table: "outcomes", column: "change", value: String(text.prefix(200)))
            }
            try insert.execute(arguments: [
                row["node_id"], row["sequence"], ReceivedChangeDigest.of(change), row["outcome"],
            ])
        }
        try db.execute(sql: "DROP TABLE outcomes; ALTER TABLE outcomes_digested RENAME TO outcomes")
    }
}
