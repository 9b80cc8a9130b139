/// A failure reported by libpq or the server, with the server's SQLSTATE when it sent one.
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// No connection could be made (server down, wrong URL, refused credentials).
        case connectionFailed
        /// The connection broke during a statement: nothing after the last commit happened.
        case connectionLost
        /// The server refused or failed the statement; `sqlState` says why.
        case statement
    }

    package let kind: Kind
    /// The five-character SQLSTATE (`40001` serialization failure, `23505` unique violation…).
    package let sqlState: String?
    package let message: String

    package init(_ kind: Kind, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    /// The server is unreachable or the connection broke: worth retrying later, nothing committed.
    package var isUnavailable: Bool {
        // Class 08 is connection exceptions; 57P0x the server shutting down or restarting.
        kind != .statement || sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P0") == true
    }

    /// A transaction that lost a serialization race or a deadlock: run it again from the start.
    package var isTransactionConflict: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// A constraint refused the row (unique, check, foreign key, not null): class 23.
    package var isConstraintViolation: Bool { sqlState?.hasPrefix("23") == true }

    package var description: String {
        let state = sqlState.map { " [\($0)]" } ?? ""
        return "PostgreSQL\(state): \(message)"
    }
}
