import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// What went wrong in the replica, with what is needed to act on it. Every refused edit has
/// changed nothing: the transaction it ran in was rolled back.
package enum StoreError: Error, CustomStringConvertible {
    /// No replica at this path; `kct init` creates one.
    case missingReplica(path: String)
    case alreadyInitialised(path: String, nodeID: String)
    /// The file exists but is not a kct replica (or its identity row is missing).
    case notAReplica(path: String)
    case orderNotFound(String)
    case itemNotFound(order: String, item: String)
    case ambiguousReference(kind: String, reference: String)
    case exceptionNotFound(String)
    case invalid(OrderValidationError)
    case transition(TransitionError)
    case money(MoneyError)
    case clock(HLCError)
    /// A value read back from the replica does not parse (hand-edited or corrupt file).
    case corruptValue(table: String, column: String, value: String)
    /// SQLite refused: code, message and SQL, as GRDB reports them.
    case database(DatabaseError)
    case fileSystem(path: String, message: String)
    /// A sync message that does not fit this replica (another node's reply, a gap); nothing changed.
    case syncRefused(String)
    /// A conflict id that is not in the conflicts table.
    case conflictNotFound(Int64)
    /// A conflict that cannot be re-applied or dismissed as asked; says why.
    case conflictNotActionable(String)
    /// The signed-in person's role does not allow the edit (PermissionMatrix); `code` is
    /// `forbidden` and the message names the role and who may. Nothing was written or queued.
    case forbidden(Rejection)
    /// The edit touches an order of another shop than this workstation's.
    case wrongShop(orderNumber: String, orderShop: String, thisShop: String)
    /// Account management refused (joined to central, unknown account, duplicate, first account).
    case accounts(String)
    /// A sign-in that did not succeed: wrong e-mail or password, or a disabled account.
    case signInFailed(String)
    /// Too many failed sign-ins for this e-mail: try again after `retryAfterSeconds`.
    case signInThrottled(email: String, retryAfterSeconds: Int)
    /// An error of a kind this layer does not know, kept as text.
    case unexpected(String)

    package var description: String {
        switch self {
        case .missingReplica(let path): "no replica at \(path); run `kct init --name NAME --shop CODE` first"
        case .alreadyInitialised(let path, let nodeID):
            "a replica already exists at \(path) (node \(nodeID)); nothing changed"
        case .notAReplica(let path): "\(path) is not a kct replica"
        case .orderNotFound(let reference): "no order '\(reference)' (give an order number or id)"
        case .itemNotFound(let order, let item): "order \(order) has no item '\(item)' (give a line number or item id)"
        case .ambiguousReference(let kind, let reference):
            "'\(reference)' matches more than one \(kind); give more of the id"
        case .exceptionNotFound(let reference): "no exception '\(reference)'"
        case .invalid(let error): error.description
        case .transition(let error): error.description
        case .money(let error): error.description
        case .clock(let error): "clock: \(error)"
        case .corruptValue(let table, let column, let value): "unreadable value '\(value)' in \(table).\(column)"
        case .database(let error) where error.resultCode == .SQLITE_FULL:
            "the disk holding the replica is full: nothing was saved; free some space and try again "
                + "(database error \(error.extendedResultCode.rawValue): \(error.message ?? "disk full"))"
        case .database(let error):
            "database error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
                + (error.sql.map { " (\($0))" } ?? "")
        case .fileSystem(let path, let message): "\(path): \(message)"
        case .syncRefused(let message): "sync: \(message)"
        case .conflictNotFound(let id): "no conflict \(id) (see `kct conflicts list --all`)"
        case .conflictNotActionable(let message): message
        case .forbidden(let rejection): rejection.message
        case .wrongShop(let orderNumber, let orderShop, let thisShop):
            "order \(orderNumber) belongs to shop \(orderShop); this workstation is in shop \(thisShop) and may only "
                + "change its own shop's orders"
        case .accounts(let message): message
        case .signInFailed(let message): message
        case .signInThrottled(let email, let seconds):
            "too many failed sign-ins for \(email); try again in \(seconds) s"
        case .unexpected(let message): message
        }
    }

    /// Maps whatever a GRDB closure threw.
    static func wrap(_ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError: error
        case let error as DatabaseError: .database(error)
        case let error as CorruptStoredValue:
            .corruptValue(table: error.table, column: error.column, value: error.value)
        case let error as OrderValidationError: .invalid(error)
        case let error as TransitionError: .transition(error)
        case let error as MoneyError: .money(error)
        case let error as HLCError: .clock(error)
        case let error as Rejection where error.code == .forbidden: .forbidden(error)
        case let error as StatusChangeError:
            switch error {
            case .transition(let transition): .transition(transition)
            case .invalid(let invalid): .invalid(invalid)
            }
        default: .unexpected(String(describing: error))
        }
    }
}
