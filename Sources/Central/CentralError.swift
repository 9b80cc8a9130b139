import GRDB
import Postgres
import StorageSupport
import SyncCore

/// What went wrong with central's store, outside the protocol (whose errors are `ErrorResponse`).
/// A refused operation changed nothing: its transaction was rolled back.
package enum CentralError: Error, CustomStringConvertible, Sendable {
    /// `kct central init` on a path that already holds a file.
    case alreadyExists(path: String)
    /// No central store at the path; `kct central init --db PATH` creates one.
    case missingStore(path: String)
    /// The file exists but is not a central store.
    case notACentralStore(path: String)
    /// A node name or shop code that cannot be used, and why.
    case invalidNodeName(String)
    case duplicateNode(name: String)
    case unknownNode(name: String)
    /// An e-mail, name or password that cannot be used for an account, and why.
    case invalidAccount(String)
    case duplicateAccount(email: String)
    case unknownAccount(email: String)
    /// Another `kct central serve` has this store open.
    case storeInUse(path: String)
    /// A value read back does not parse (hand-edited or corrupt file).
    case corruptValue(table: String, column: String, value: String)
    /// SQLite refused: code, message and SQL, as GRDB reports them.
    case database(DatabaseError)
    /// PostgreSQL refused or could not be reached: SQLSTATE and message as libpq reports them.
    case postgres(PostgresError)
    case fileSystem(path: String, message: String)
    /// No effect with that id (or the prefix names several).
    case unknownEffect(reference: String, ambiguous: Bool)
    /// `kct central effects retry|cancel` on an effect in a state that does not allow it.
    case invalidEffectOperation(String)
    case unexpected(String)

    package var description: String {
        switch self {
        case .alreadyExists(let path): "\(path) already exists; nothing changed"
        case .missingStore(let path): "no central store at \(path); run `kct central init --db \(path)` first"
        case .notACentralStore(let path): "\(path) is not a kct central store"
        case .invalidNodeName(let message): message
        case .duplicateNode(let name):
            "a node named \(name) is already registered (revoked names are not reused); nothing changed"
        case .unknownNode(let name): "no node named \(name)"
        case .invalidAccount(let message): message
        case .duplicateAccount(let email): "an account \(email) already exists; nothing changed"
        case .unknownAccount(let email): "no account \(email); `kct central list-users` shows them"
        case .storeInUse(let path): "\(path) is already being served by another `kct central serve`"
        case .corruptValue(let table, let column, let value): "unreadable value '\(value)' in \(table).\(column)"
        case .database(let error) where error.resultCode == .SQLITE_FULL:
            "the disk holding central's database is full: nothing was saved; free some space and try again "
                + "(database error \(error.extendedResultCode.rawValue): \(error.message ?? "disk full"))"
        case .database(let error):
            "database error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
                + (error.sql.map { " (\($0))" } ?? "")
        case .postgres(let error) where error.isUnavailable:
            "central's PostgreSQL database is unreachable: \(error.message)"
        case .postgres(let error): error.description
        case .fileSystem(let path, let message): "\(path): \(message)"
        case .unknownEffect(let reference, let ambiguous):
            ambiguous
                ? "several effects start with \(reference); give more of the id"
                : "no effect \(reference); `kct central effects list` shows them"
        case .invalidEffectOperation(let message): message
        case .unexpected(let message): message
        }
    }

    static func wrap(_ error: any Error) -> CentralError {
        switch error {
        case let error as CentralError: error
        case let error as DatabaseError: .database(error)
        case let error as PostgresError: .postgres(error)
        case let error as CorruptStoredValue:
            .corruptValue(table: error.table, column: error.column, value: error.value)
        default: .unexpected(String(describing: error))
        }
    }
}

extension ErrorResponse {
    /// A failure inside central while serving a request: nothing was committed. A busy or locked
    /// database is worth retrying (503); anything else is a 500 that names the cause.
    static func wrapping(_ error: any Error) -> ErrorResponse {
        if let response = error as? ErrorResponse { return response }
        if let database = error as? DatabaseError,
            database.resultCode == .SQLITE_BUSY || database.resultCode == .SQLITE_LOCKED
        {
            return ErrorResponse(code: .unavailable, message: "central's store is busy; nothing was committed, retry")
        }
        if let postgres = (error as? PostgresError) ?? (error as? CentralError)?.postgresError, postgres.isUnavailable {
            // The node keeps its outbox and retries with backoff; the database may be restarting.
            return ErrorResponse(
                code: .unavailable, message: "central's database is unreachable; nothing was committed, retry")
        }
        if let database = error as? DatabaseError, database.resultCode == .SQLITE_FULL {
            // Not the node's fault and not permanent: it keeps its outbox and retries with backoff.
            return ErrorResponse(
                code: .unavailable, message: "central's disk is full; nothing was committed, retry later")
        }
        return ErrorResponse(
            code: .internalError, message: "central failed and committed nothing: \(CentralError.wrap(error))")
    }
}

extension CentralError {
    var postgresError: PostgresError? {
        if case .postgres(let error) = self { error } else { nil }
    }
}
