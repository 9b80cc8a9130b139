import EventLoop
import Foundation
import HTTP
import JSONViews
import Logging
import StaffAuth
import Store
import SyncCore

/// The node's JSON API for the staff's screens, on 127.0.0.1:
///
/// | route | answer |
/// |---|---|
/// | `GET /api/orders?status=&priority=&search=&limit=&cursor=` | a page of orders (`kct orders list --json`) |
/// | `GET /api/orders/:ref` | one order by number or id, with `allowed_statuses` (lifecycle ∩ role), `claim` |
/// | `POST /api/orders` | create (the `--from-json` order object); 201 |
/// | `PATCH /api/orders/:ref` | update fields (and `priority`) |
/// | `POST /api/orders/:ref/status` | `{"status":…, "note":…}` |
/// | `POST /api/orders/:ref/items`, `PATCH`/`DELETE /api/orders/:ref/items/:item` | items (`LocalAPI+Items`) |
/// | `POST /api/orders/:ref/exceptions`, `POST /api/exceptions/:id/resolve` | exceptions |
/// | `POST /api/orders/:ref/communications` | log a customer communication |
/// | `POST`/`DELETE /api/orders/:ref/claim` | claim an order of the queue, release the claim |
/// | `GET /api/queue?status=&priority=&limit=` | `kct queue --json` rows with `score_parts` and `claim` |
/// | `GET /api/stats`, `GET /api/sync` | dashboard, sync status |
/// | `GET /api/analytics?since=YYYY-MM-DD[&orders=true]` | processing analytics (`kct stats --analytics --json`) |
/// | `GET /api/conflicts[?all=true]` | open conflicts (`kct conflicts list --json` shape) |
/// | `POST /api/conflicts/:id/reapply`, `POST /api/conflicts/:id/dismiss` | settle a conflict |
/// | `GET /api/users`; `POST /api/users`, `POST /api/users/:email/role|disable|enable` | staff (admin) |
/// | `GET /api/events` | server-sent events: order ids changed by local edits and by sync |
/// | `GET /metrics` | Prometheus text: checksum verifications and repairs (no session, loopback only) |
/// | `POST /api/session` | sign in: `{"email","password"}` → `{"token","expires_at","email","name","role"}` |
/// | `GET /api/session`, `DELETE /api/session` | who is signed in (with `permissions`); sign out |
///
/// Every edit goes through the store's write path (domain rules, role, outbox) and then the
/// `editMade` hook (sync soon, SSE). Errors are `{"error":{"code","message"}}`, plus `field`
/// (snake_case) when one field of the input is wrong.
///
/// Every route but `POST /api/session` needs `Authorization: Bearer <token>` of a session
/// (401 without one, or with one that is unknown, expired, ended, or whose account was
/// disabled). API sessions last 8 hours from their last use. Edits are made as the session's
/// person and checked against their role (403 `forbidden` with the matrix's message). Each
/// session is rate limited (token bucket, 429 with `Retry-After`); failed sign-ins are slowed
/// down per e-mail (429 too). Tokens and passwords are never logged.
/// Every database call (and the ~0.1 s password check) runs on the loop's thread pool.
/// Loop-confined.
package final class LocalAPI {
    package struct Hooks {
        /// A request changed the replica: the order and the outbox's last sequence after it.
        package var editMade: (_ orderID: String, _ outboxSequence: Int64) -> Void = { _, _ in }
        /// No edit of this API is under way any more (`editsInFlight` fell to 0).
        package var editsSettled: () -> Void = {}
        /// The live side of `GET /api/sync` (nil when no central is configured).
        package var liveSync: () -> LiveSyncState? = { nil }
        /// A request reached a route of the API (the daemon counts it as work: `IdleMemoryRelease`).
        package var requestReceived: () -> Void = {}

        package init() {}
    }

    package let loop: EventLoop
    package let store: OrderStore
    package let server: HTTPServer
    let hub: EventStreamHub
    var hooks: Hooks
    /// Edits offloaded and not yet answered (loop thread only). The daemon's look at the outbox
    /// waits for them, so that an edit made here is announced as `local` and not, when its commit
    /// wakes the file watcher before its answer reaches the loop, as another process's.
    package internal(set) var editsInFlight = 0
    let rateLimiter: TokenRateLimiter
    /// `GET /metrics` (LocalAPI+Metrics.swift).
    let metrics = NodeMetrics()

    package init(
        loop: EventLoop, store: OrderStore, host: String = "127.0.0.1", port: Int,
        rateLimit: TokenRateLimiter.Configuration = LocalAPI.defaultRateLimit,
        hooks: Hooks = Hooks(), logger: Logger = Logger(label: "kct.node.api")
    ) throws(UVError) {
        loop.assertInLoopThread()
        self.loop = loop
        self.store = store
        self.hooks = hooks
        self.rateLimiter = TokenRateLimiter(rateLimit)
        let hub = EventStreamHub(loop: loop)
        self.hub = hub
        var configuration = HTTPServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.maxBodyBytes = 1024 * 1024
        // The routes reach the API through this box, filled in below: the router must exist
        // before the server.
        let owner = RouteOwner<LocalAPI>()
        do {
            server = try HTTPServer(
                loop: loop, configuration: configuration, router: Self.router(owner), logger: logger)
        } catch {
            hub.close()
            throw error
        }
        owner.owner = self
        // The web app's files are gzipped once, here on the thread pool rather than on the loop
        // by the first request for them.
        loop.offload({ WebAssets.prepare() }) { _ in }
    }

    package var port: Int { server.port }

    /// Per session: bursts of 200 requests, 100 per second on average (README, "The local API").
    package static let defaultRateLimit = TokenRateLimiter.Configuration(burst: 200, perSecond: 100)

    /// Tells `GET /api/events` subscribers which orders changed and why (`local`, `cli`, `sync`).
    package func broadcast(orderIDs: Set<String>, source: String) {
        loop.assertInLoopThread()
        guard !orderIDs.isEmpty else { return }
        let payload = JSONValue.object([
            "order_ids": .array(orderIDs.sorted().map(JSONValue.string)), "source": .string(source),
        ])
        hub.broadcast(ServerSentEvent(event: "change", data: payload.canonicalString))
    }

    package var eventSubscribers: Int { hub.subscriberCount }

    /// Ends the event streams (the server itself is shut down by the loop).
    func close() { hub.close() }

    // MARK: Routes

    private static func router(_ owner: RouteOwner<LocalAPI>) -> HTTPRouter {
        var router = HTTPRouter()
        /// A route open to anyone on loopback (only signing in).
        func open(
            _ method: HTTPMethod, _ pattern: String,
            _ handler: @escaping (LocalAPI, HTTPRequest, HTTPResponder) throws -> Void
        ) {
            router.add(
                method, pattern,
                owner.handler { api, request, responder in
                    api.hooks.requestReceived()
                    do { try handler(api, request, responder) } catch { responder.send(APIError(any: error).response) }
                })
        }
        /// A route that needs a session's bearer token, within its rate limit; the handler gets
        /// the token (checked against the replica on the thread pool, by `answer` and `edit`).
        func route(
            _ method: HTTPMethod, _ pattern: String,
            _ handler: @escaping (LocalAPI, HTTPRequest, HTTPResponder, SessionToken) throws -> Void
        ) {
            open(method, pattern) { api, request, responder in
                let token = try api.admit(request)
                try handler(api, request, responder, token)
            }
        }
        open(.post, "/api/session") { api, request, responder in try api.signIn(request, responder) }
        open(.get, "/metrics") { api, request, responder in api.metricsPage(request, responder) }
        route(.get, "/api/session") { api, _, responder, token in api.whoami(responder, token) }
        route(.delete, "/api/session") { api, _, responder, token in api.signOut(responder, token) }
        route(.get, "/api/orders") { api, request, responder, token in try api.listOrders(request, responder, token) }
        route(.post, "/api/orders") { api, request, responder, token in try api.createOrder(request, responder, token) }
        route(.get, "/api/orders/:ref") { api, request, responder, token in api.showOrder(request, responder, token) }
        route(.patch, "/api/orders/:ref") { api, request, responder, token in
            try api.updateOrder(request, responder, token)
        }
        route(.post, "/api/orders/:ref/status") { api, request, responder, token in
            try api.moveOrder(request, responder, token)
        }
        route(.get, "/api/stats") { api, _, responder, token in
            api.answer(responder, token) { store, _ in try APIJSON.encode(StatsJSON(try store.stats())) }
        }
        route(.get, "/api/sync") { api, _, responder, token in api.syncStatus(responder, token) }
        route(.get, "/api/conflicts") { api, request, responder, token in
            // Open conflicts; `?all=true` adds the dismissed and re-applied ones.
            let all = request.query["all"] == "true"
            api.answer(responder, token) { store, _ in
                try APIJSON.encode(try store.conflicts(includeSettled: all).map(ConflictJSON.init))
            }
        }
        route(.get, "/api/events") { api, request, responder, token in api.subscribe(request, responder, token) }
        addWebAppRoutes(to: &router)
        addWorkRoutes(route)
        return router
    }

    typealias RouteAdder = (
        _ method: HTTPMethod, _ pattern: String,
        _ handler: @escaping (LocalAPI, HTTPRequest, HTTPResponder, SessionToken) throws -> Void
    ) -> Void

    /// The routes of the staff's screens beyond orders and sessions (queue, items, exceptions,
    /// communications, conflicts, staff, analytics), each a `LocalAPI+Topic.swift`.
    private static func addWorkRoutes(_ route: RouteAdder) {
        route(.get, "/api/queue") { api, request, responder, token in try api.queue(request, responder, token) }
        route(.get, "/api/analytics") { api, request, responder, token in
            try api.analytics(request, responder, token)
        }
        route(.post, "/api/orders/:ref/claim") { api, request, responder, token in
            api.claimOrder(request, responder, token)
        }
        route(.delete, "/api/orders/:ref/claim") { api, request, responder, token in
            api.releaseClaim(request, responder, token)
        }
        route(.post, "/api/orders/:ref/items") { api, request, responder, token in
            try api.addItem(request, responder, token)
        }
        route(.patch, "/api/orders/:ref/items/:item") { api, request, responder, token in
            try api.updateItem(request, responder, token)
        }
        route(.delete, "/api/orders/:ref/items/:item") { api, request, responder, token in
            api.removeItem(request, responder, token)
        }
        route(.post, "/api/orders/:ref/exceptions") { api, request, responder, token in
            try api.openException(request, responder, token)
        }
        route(.post, "/api/exceptions/:id/resolve") { api, request, responder, token in
            try api.resolveException(request, responder, token)
        }
        route(.post, "/api/orders/:ref/communications") { api, request, responder, token in
            try api.logCommunication(request, responder, token)
        }
        route(.post, "/api/conflicts/:id/reapply") { api, request, responder, token in
            try api.reapplyConflict(request, responder, token)
        }
        route(.post, "/api/conflicts/:id/dismiss") { api, request, responder, token in
            try api.dismissConflict(request, responder, token)
        }
        route(.get, "/api/users") { api, _, responder, token in api.listUsers(responder, token) }
        route(.post, "/api/users") { api, request, responder, token in try api.addUser(request, responder, token) }
        route(.post, "/api/users/:email/role") { api, request, responder, token in
            try api.setUserRole(request, responder, token)
        }
        route(.post, "/api/users/:email/disable") { api, request, responder, token in
            api.setUserDisabled(request, responder, token, disabled: true)
        }
        route(.post, "/api/users/:email/enable") { api, request, responder, token in
            api.setUserDisabled(request, responder, token, disabled: false)
        }
    }

    // MARK: Plumbing

    /// Runs `work` on the thread pool as the session's person and sends its JSON bytes (or
    /// its error) back on the loop.
    func answer(
        _ responder: HTTPResponder, _ token: SessionToken, status: HTTPStatus = .ok,
        _ work: @escaping @Sendable (OrderStore, StaffActor) throws -> [UInt8]
    ) {
        respond(responder, token) { store, actor in .json(bytes: try work(store, actor), status: status) }
    }

    /// Runs `work` on the thread pool as the session's person and sends its response (or its
    /// error) back on the loop.
    func respond(
        _ responder: HTTPResponder, _ token: SessionToken,
        _ work: @escaping @Sendable (OrderStore, StaffActor) throws -> HTTPResponse
    ) {
        let store = self.store
        loop.offload({ try work(store, try Self.actor(store, token)) }) { result in
            switch result {
            case .success(let response): responder.send(response)
            case .failure(let error): responder.send(APIError(any: error).response)
            }
        }
    }

    func syncStatus(_ responder: HTTPResponder, _ token: SessionToken) {
        let live = hooks.liveSync()
        answer(responder, token) { store, _ in
            try APIJSON.encode(SyncStatusJSON(try store.syncStatus(), verify: try store.verifyStatus(), live: live))
        }
    }

    /// The event stream, once the session is checked.
    func subscribe(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) {
        let store = self.store
        loop.offload({ try Self.actor(store, token) }) { [weak self] result in
            switch result {
            case .success: self?.hub.subscribe(responder, request: request)
            case .failure(let error): responder.send(APIError(any: error).response)
            }
        }
    }

    /// The body as a JSON object, read by SyncCore's strict parser (a duplicate key is refused);
    /// a 400 saying so otherwise.
    static func jsonObject(_ request: HTTPRequest) throws(APIError) -> [String: JSONValue] {
        try jsonObject(request.body)
    }
}

/// JSON as the CLI prints it with `--json`, minus the pretty-printing.
enum APIJSON {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
