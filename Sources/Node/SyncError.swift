import HTTP
import Store
import SyncCore

/// Why a sync cycle with central failed, and whether retrying can help.
package enum SyncError: Error, Sendable, CustomStringConvertible {
    /// Central could not be reached (refused, timed out, connection broke): retried with backoff.
    case unreachable(HTTPClientError)
    /// Central answered with a protocol error (`ErrorResponse`) and its HTTP status.
    case central(ErrorResponse, status: Int)
    /// Central answered something that is not a valid protocol message.
    case badResponse(endpoint: String, status: Int, message: String)
    /// Central speaks no protocol version this node speaks (from `/healthz` or a 426).
    case versionMismatch(VersionMismatch)
    /// The replica refused or failed.
    case store(StoreError)
    /// No central URL or token configured (`kct join URL --token T`).
    case notConfigured
    /// Central asked for a resend from a sequence that is no longer in the outbox.
    case cannotResend(expected: Int64, firstAvailable: Int64?)

    /// Errors that retrying cannot fix: the daemon stops syncing and reports them.
    package var isPermanent: Bool {
        switch self {
        case .unreachable, .badResponse, .store: false
        case .versionMismatch, .notConfigured, .cannotResend: true
        case .central(let error, _):
            switch error.code {
            case .unauthorized, .forbidden, .unsupportedProtocolVersion, .sequenceReused: true
            default: false
            }
        }
    }

    package var description: String {
        switch self {
        case .unreachable(let error): "central unreachable: \(error)"
        case .central(let error, let status):
            "central refused (HTTP \(status)): \(error.code.rawValue): \(error.message)"
        case .badResponse(let endpoint, let status, let message):
            "unreadable reply from central to \(endpoint) (HTTP \(status)): \(message)"
        case .versionMismatch(let mismatch): "protocol version mismatch: \(mismatch)"
        case .store(let error): "replica: \(error)"
        case .notConfigured:
            "no central configured; run `kct join URL --token TOKEN` (or `kct init … --central URL --token TOKEN`)"
        case .cannotResend(let expected, let first):
            "central expects sequence \(expected) but the outbox starts at \(first.map(String.init) ?? "nothing"); "
                + "an operator must reconcile this node"
        }
    }
}
