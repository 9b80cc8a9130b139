import EventLoop
import Foundation
import Logging
import Postgres
import SyncCore

/// PostgreSQL only: how one `kct central serve` process hears that another appended to the log.
/// Every write transaction that advances the head sends `NOTIFY kct_log` (delivered by the server
/// at commit, in commit order) with the new head and the shops whose orders it touched; this
/// listener holds a connection that ran `LISTEN kct_log`, watches its socket on the loop, and
/// hands each advance made by another process to `onAdvance`, which wakes the streams as a push
/// of its own would. Loop-confined.
///
/// A notification sent while the connection was down is lost, so after every (re)connection the
/// head is read afresh and announced to every stream (`shops` nil): a node pulls and finds
/// what it missed, since pulls read the log, not the notifications.
final class CentralLogListener: LoopService {
    static let channel = "kct_log"
    static let reconnectDelay: Duration = .seconds(1)

    let loop: EventLoop
    let pool: PostgresPool
    /// This process's id in the payloads it sends (`CentralStore.instanceID`): its own are skipped.
    let instanceID: String
    let logger: Logger
    private let onAdvance: (_ head: Int64, _ shops: Set<String>?) -> Void
    private var connection: PostgresConnection?
    private var watcher: SocketWatcher?
    /// A duplicate of the connection's socket, which the watcher polls: libpq closes its own
    /// descriptor when it finds the connection broken (inside `drainNotifications`), and libuv
    /// must never poll a closed descriptor (a reused number would be another socket). Closed
    /// here, after the watcher.
    private var watchedSocket: Int32 = -1
    private var retry: LoopTimer?
    private var isShutDown = false

    init(
        loop: EventLoop, pool: PostgresPool, instanceID: String, logger: Logger,
        onAdvance: @escaping (_ head: Int64, _ shops: Set<String>?) -> Void
    ) {
        loop.assertInLoopThread()
        self.loop = loop
        self.pool = pool
        self.instanceID = instanceID
        self.logger = logger
        self.onAdvance = onAdvance
        loop.register(self)
        connect()
    }

    /// Connects and listens on the thread pool (connecting may wait on the network), then watches
    /// the socket on the loop and announces the head read right after LISTEN.
    private func connect() {
        let url = pool.url
        loop.offload({ () throws -> (PostgresConnection, Int64) in
            let connection = try PostgresConnection(url: url)
            try connection.executeScript("LISTEN \(Self.channel)")
            let head = try connection.fetchValue("SELECT head_version FROM central_state", as: Int64.self) ?? 0
            return (connection, head)
        }) { [self] outcome in
            guard !isShutDown else { return }
            switch outcome {
            case .success((let connection, let head)):
                let socket = dup(connection.socket)
                guard socket >= 0,
                    let watcher = SocketWatcher(loop: loop, socket: socket, handler: { [unowned self] _ in readable() })
                else {
                    if socket >= 0 { close(socket) }
                    logger.warning("the PostgreSQL listener's socket cannot be watched; retrying")
                    return scheduleReconnect()
                }
                self.connection = connection
                self.watcher = watcher
                watchedSocket = socket
                onAdvance(head, nil)
            case .failure(let error):
                logger.warning("cannot listen for other central processes' pushes: \(error); retrying")
                scheduleReconnect()
            }
        }
    }

    private func readable() {
        guard let connection else { return }
        do {
            for notification in try connection.drainNotifications() where notification.channel == Self.channel {
                guard let advance = Advance(payload: notification.payload), advance.origin != instanceID else {
                    continue
                }
                onAdvance(advance.head, advance.shops)
            }
        } catch {
            logger.warning("lost the PostgreSQL listener connection: \(error); reconnecting")
            disconnect()
            scheduleReconnect()
        }
    }

    private func disconnect() {
        watcher?.close()
        watcher = nil
        if watchedSocket >= 0 {
            close(watchedSocket)
            watchedSocket = -1
        }
        connection = nil
    }

    private func scheduleReconnect() {
        guard !isShutDown else { return }
        retry?.close()
        retry = loop.schedule(after: Self.reconnectDelay) { [weak self] in self?.connect() }
    }

    func beginShutdown() { forceClose() }

    func forceClose() {
        isShutDown = true
        retry?.close()
        disconnect()
        loop.unregister(self)
    }

    /// The notification's payload: `{"head":N,"origin":"…","shops":["S01",…]}` (canonical JSON);
    /// `shops` null: every stream (the list would not fit in a notification).
    struct Advance: Equatable {
        /// NOTIFY payloads must stay under 8000 bytes.
        static let payloadLimit = 7_900

        var origin: String
        var head: Int64
        var shops: Set<String>?

        init(origin: String, head: Int64, shops: Set<String>?) {
            self.origin = origin
            self.head = head
            self.shops = shops
        }

        init?(payload: String) {
            guard case .object(let members)? = try? JSONValue.parse(payload),
                case .string(let origin)? = members["origin"], case .integer(let head)? = members["head"]
            else { return nil }
            self.origin = origin
            self.head = head
            if case .array(let shops)? = members["shops"] {
                self.shops = Set(
                    shops.compactMap {
                        if case .string(let shop) = $0 { shop } else { nil }
                    })
            } else {
                shops = nil
            }
        }

        var payload: String {
            let listed = JSONValue.object([
                "origin": .string(origin), "head": .integer(head),
                "shops": shops.map { .array($0.sorted().map(JSONValue.string)) } ?? .null,
            ]).canonicalString
            guard listed.utf8.count > Self.payloadLimit else { return listed }
            return Advance(origin: origin, head: head, shops: nil).payload
        }
    }
}
