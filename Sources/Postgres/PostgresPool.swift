import Foundation
import Synchronization

/// Connections to one PostgreSQL database, opened as needed and kept for reuse. A broken
/// connection (server restarted, network cut) is dropped, never handed out again; opening one is
/// retried with backoff before the caller is told the database is unavailable.
package final class PostgresPool: Sendable {
    package let url: String
    private let idle = Mutex<[PostgresConnection]>([])
    /// Connections kept idle at most; more are opened under load and closed when given back.
    private let idleLimit: Int
    /// Waits between attempts to connect; the last failure is thrown after them.
    private let connectBackoff: [Duration]

    package init(
        url: String, idleLimit: Int = 8,
        connectBackoff: [Duration] = [.milliseconds(50), .milliseconds(200), .milliseconds(800)]
    ) {
        self.url = url
        self.idleLimit = idleLimit
        self.connectBackoff = connectBackoff
    }

    /// A connection for `body`; given back afterwards unless it broke or was left in a transaction.
    package func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try take()
        defer { giveBack(connection) }
        return try body(connection)
    }

    /// Opens a connection now, retrying with backoff: at start-up, to fail early on a bad URL.
    package func check() throws(PostgresError) {
        giveBack(try take())
    }

    private func take() throws(PostgresError) -> PostgresConnection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        var attempt = 0
        while true {
            do {
                return try PostgresConnection(url: url)
            } catch {
                guard attempt < connectBackoff.count else { throw error }
                Thread.sleep(forTimeInterval: Self.seconds(connectBackoff[attempt]))
                attempt += 1
            }
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        guard connection.isUsable, !connection.inTransaction else { return }
        idle.withLock { idle in
            if idle.count < idleLimit { idle.append(connection) }
        }
    }

    /// Closes the idle connections (those in use close when given back after this).
    package func closeIdle() {
        idle.withLock { idle in idle.removeAll() }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
