import GRDB
import OrderDomain
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

    /// The columns `decode` reads and `insertSQL` writes, in `arguments` order.
    package static let columns =
        "order_id, node_id, sequence, hlc, version, from_status, status, from_resume_status, note"

    /// `INSERT … VALUES` for `arguments`, followed by `conflictClause` (`ON CONFLICT …`, or "").
    package static func insertSQL(_ table: String, orIgnore: Bool = false, conflictClause: String = "") -> String {
        "INSERT \(orIgnore ? "OR IGNORE " : "")INTO \(table) (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + conflictClause
    }

    package static func arguments(_ move: StatusMove, orderID: String) -> StatementArguments {
        [
            orderID, move.stamp.nodeID, move.sequence, move.stamp.hlc, move.version, move.from.rawValue,
            move.to.rawValue, move.fromResume?.rawValue, move.note,
        ]
    }

    /// One move from a row holding `columns`.
    package static func decode(_ row: Row, table: String) throws(CorruptStoredValue) -> StatusMove {
        StatusMove(
            stamp: HLCStamp(hlc: try row.value("hlc", table: table), nodeID: try row.value("node_id", table: table)),
            sequence: try row.value("sequence", table: table), version: try row.value("version", table: table),
            from: try row.value("from_status", table: table, as: OrderStatus.self),
            to: try row.value("status", table: table, as: OrderStatus.self),
            fromResume: try row.optionalValue("from_resume_status", table: table, as: OrderStatus.self),
            note: try row.value("note", table: table))
    }
}
