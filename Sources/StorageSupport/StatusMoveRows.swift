import GRDB
import OrderDomain
import SQLAccess
import SyncCore

/// Status moves as stored: central's `status_moves` (every accepted move) and a node's
/// `confirmed_status_moves` (the moves central confirmed) have the same columns; an order's
/// `StatusRegister` is rebuilt from its moves.
package enum StatusMoveRows {
    /// `CREATE TABLE name (…)` with the move columns and the table's own primary key.
    package static func createTableSQL(_ name: String, primaryKey: String) -> String {
        """
        CREATE TABLE \(name) (
          order_id TEXT NOT NULL,
          node_id TEXT NOT NULL,
          sequence INTEGER NOT NULL,
          hlc INTEGER NOT NULL,
          version INTEGER NOT NULL,
          from_status TEXT NOT NULL,
          status TEXT NOT NULL,
          from_resume_status TEXT,
          note TEXT,
          PRIMARY KEY (\(primaryKey))
        ) WITHOUT ROWID;
        """
    }

    /// The columns `decode` reads and `insert` writes, in `values` order.
    package static let columns =
        "order_id, node_id, sequence, hlc, version, from_status, status, from_resume_status, note"

    /// The insert of `values`/`arguments` into `table`, followed by `conflictClause`
    /// (`ON CONFLICT …`, or "").
    package static func insert(_ table: String, conflictClause: String = "") -> SQLInsert {
        SQLInsert(
            into: table, columns: columns.split(separator: ", ").map(String.init), conflictClause)
    }

    /// `insert`'s statement for one row.
    package static func insertSQL(_ table: String, conflictClause: String = "") -> String {
        insert(table, conflictClause: conflictClause).sql(rows: 1)
    }

    /// The values of `insertSQL`'s placeholders, for central's statements on either backend.
    package static func values(_ move: StatusMove, orderID: String) -> [SQLValue] {
        [
            .text(orderID), .text(move.stamp.nodeID), .integer(move.sequence), move.stamp.hlc.sqlValue,
            .integer(move.version), .text(move.from.rawValue), .text(move.to.rawValue),
            move.fromResume?.rawValue.sqlValue ?? .null, move.note.sqlValue,
        ]
    }

    /// `values` as GRDB values, for the node's Store.
    package static func databaseValues(_ move: StatusMove, orderID: String) -> [DatabaseValue] {
        values(move, orderID: orderID).map { $0.databaseValue }
    }

    /// One move from a row holding `columns`: a GRDB row of the node's Store or a central `SQLRow`.
    package static func decode(_ row: some ColumnReading, table: String) throws(CorruptStoredValue) -> StatusMove {
        StatusMove(
            stamp: HLCStamp(hlc: try row.read("hlc", table: table), nodeID: try row.read("node_id", table: table)),
            sequence: try row.read("sequence", table: table), version: try row.read("version", table: table),
            from: try row.read("from_status", table: table, as: OrderStatus.self),
            to: try row.read("status", table: table, as: OrderStatus.self),
            fromResume: try row.readOptional("from_resume_status", table: table, as: OrderStatus.self),
            note: try row.read("note", table: table))
    }
}
