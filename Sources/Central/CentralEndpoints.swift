import EventLoop
import HTTP
import Logging
import StaffAuth
import SyncCore

/// Central's HTTP endpoints on one event loop (SYNC-PROTOCOL.md §4). Loop-confined: created on
/// the loop thread and used only there; database work goes to libuv's thread pool with
/// `offload`, whose completions come back on the loop. Registered with the loop as a service,
/// which keeps it alive until the loop is torn down.
final class CentralEndpoints: LoopService {
    let loop: EventLoop
    let store: CentralStore
    let metrics: CentralMetrics
    let hub: ScopedStreamHub
    let server: HTTPServer
    /// The head as last seen on the loop (pushes advance it; streams report it).
    private var headVersion: Int64
    let logger: Logger
    let options: CentralServeOptions
    private let rateLimiter: TokenRateLimiter
    /// The effects ledger's runner (issue 12).
    private(set) var effects: EffectRunner!
    /// Compacts the log periodically when `options.compaction` is set (CentralEndpoints+Compaction.swift).
    var compactionTimer: LoopTimer?
    /// PostgreSQL: hears the pushes other serve processes commit, for this process's streams.
    private var listener: CentralLogListener?

    init(
        loop: EventLoop, store: CentralStore, host: String, port: Int,
        options: CentralServeOptions = CentralServeOptions(),
        logger: Logger = Logger(label: "kct.central")
    ) throws {
        loop.assertInLoopThread()
        self.loop = loop
        self.store = store
        self.logger = logger
        self.options = options
        rateLimiter = TokenRateLimiter(options.rateLimit)
        metrics = CentralMetrics(refusedTokens: store.refusedTokens)
        var hubConfiguration = EventStreamHub.Configuration()
        hubConfiguration.heartbeatInterval = .seconds(ProtocolLimits.streamHeartbeatSeconds)
        // Catching up is by version (StreamEvent.resumeVersion), not by replaying old events.
        hubConfiguration.backlogCapacity = 0
        hub = ScopedStreamHub(loop: loop, configuration: hubConfiguration)
        headVersion = store.headVersion
        var configuration = HTTPServer.Configuration()
        configuration.host = host
        configuration.port = port
        // Twice the protocol's limit so that bodies between the two get the protocol's JSON 413;
        // the decompressed size is checked against the protocol limit in `push`.
        configuration.maxBodyBytes = 2 * ProtocolLimits.maximumBodyBytes
        // Streams are kept alive by heartbeats; an idle keep-alive connection may wait longer.
        configuration.idleTimeout = .seconds(ProtocolLimits.streamHeartbeatSeconds * 4)
        let owner = RouteOwner<CentralEndpoints>()
        server = try HTTPServer(
            loop: loop, configuration: configuration, router: Self.makeRouter(owner), logger: logger)
        owner.owner = self
        loop.register(self)
        effects = try EffectRunner(
            loop: loop, store: store, configuration: options.integrations, metrics: metrics, logger: logger
        ) { [unowned self] head in advanceHead(to: head) }
        if let pool = store.postgresPool {
            listener = CentralLogListener(loop: loop, pool: pool, instanceID: store.instanceID, logger: logger) {
                [unowned self] head, shops in
                advanceHead(to: head, shops: shops)
                // Another process's push may have recorded effects, which only the leader runs.
                effects.wake()
            }
        }
        startCompaction()
    }

    /// Streams end (nodes reconnect to the next central); the server finishes requests in flight.
    func beginShutdown() { hub.close() }

    func forceClose() { hub.close() }

    var port: Int { server.port }

    private static func makeRouter(_ owner: RouteOwner<CentralEndpoints>) -> HTTPRouter {
        var router = HTTPRouter()
        /// A protocol route, answered within the request's token's rate limit.
        func limited(
            _ method: HTTPMethod, _ path: String,
            _ answer: @escaping (CentralEndpoints) -> (HTTPRequest, HTTPResponder) -> Void
        ) {
            router.add(
                method, path,
                owner.handler { endpoints, request, responder in
                    endpoints.limited(request, responder) { answer(endpoints)(request, responder) }
                })
        }
        limited(.post, "/v1/push", CentralEndpoints.push)
        limited(.get, "/v1/pull", CentralEndpoints.pull)
        limited(.get, "/v1/snapshot", CentralEndpoints.snapshot)
        limited(.get, "/v1/stream", CentralEndpoints.stream)
        limited(.get, "/v1/accounts", CentralEndpoints.accounts)
        limited(.post, "/v1/audit", CentralEndpoints.audit)
        limited(.get, "/v1/checksums", CentralEndpoints.checksums)
        limited(.get, "/v1/buckets/:bucket", CentralEndpoints.bucket)
        // Providers' webhooks carry no token: each is verified by its provider's signature.
        limited(.post, "/webhooks/stripe", CentralEndpoints.stripeWebhook)
        limited(.post, "/webhooks/easypost", CentralEndpoints.easyPostWebhook)
        limited(.post, "/webhooks/sendgrid", CentralEndpoints.sendGridWebhook)
        router.get(
            "/metrics",
            owner.handler { endpoints, request, responder in
                endpoints.local(request, responder) { endpoints.metricsPage(responder) }
            })
        router.get(
            "/healthz",
            owner.handler { endpoints, request, responder in
                endpoints.local(request, responder) { endpoints.health(responder) }
            })
        // Protocol errors for unknown paths and wrong methods, as JSON like every other error.
        router.unmatched = owner.unmatched { endpoints, request, responder, allowed in
            guard !allowed.isEmpty else {
                return endpoints.fail(
                    responder,
                    ErrorResponse(code: .notFound, message: "no endpoint \(request.path); see SYNC-PROTOCOL.md §4"))
            }
            let names = allowed.map(\.name).joined(separator: ", ")
            endpoints.fail(
                responder,
                ErrorResponse(
                    code: .methodNotAllowed, message: "\(request.path) takes \(names), not \(request.method.name)"),
                headers: ["Allow": names])
        }
        return router
    }

    // MARK: Answers

    func fail(_ responder: HTTPResponder, _ error: ErrorResponse, headers: HTTPHeaders = [:]) {
        metrics.protocolErrors.increment()
        var response = HTTPResponse.json(bytes: error.encoded(), status: HTTPStatus(error.httpStatus))
        for (name, value) in headers { response.headers.set(name, value) }
        responder.send(response)
    }

    /// Requests without a body name their protocol version in a header (SYNC-PROTOCOL.md §3);
    /// returns it when it is one of `accepting`.
    @discardableResult
    static func checkVersionHeader(_ request: HTTPRequest, accepting: ClosedRange<Int64> = ProtocolVersion.supported)
        throws(ErrorResponse) -> Int64
    {
        guard let text = request.headers[ProtocolVersion.headerName] else {
            throw ErrorResponse(
                code: .invalidMessage,
                message: "\(request.path) needs the header \(ProtocolVersion.headerName): \(ProtocolVersion.current)")
        }
        guard let version = Int64(text.trimmingSpaces) else {
            throw ErrorResponse(
                code: .invalidMessage, message: "\(ProtocolVersion.headerName) must be a whole number, got '\(text)'")
        }
        do {
            try ProtocolVersion.check(version, accepting: accepting)
        } catch {
            throw ErrorResponse(error)
        }
        return version
    }

    /// Runs `then` when the request's token has a request left in its bucket; else 429 with
    /// `Retry-After`. This process's bucket is checked first, so a flood costs no database work;
    /// on PostgreSQL a node token's request then also takes from the bucket every serve process
    /// shares (`admitShared`, on the thread pool), so N processes do not give a token N times
    /// its rate. A database that cannot be asked does not refuse the request: the request itself
    /// then meets the database and gets its 503.
    func limited(_ request: HTTPRequest, _ responder: HTTPResponder, then: @escaping () -> Void) {
        if let retryAfter = rateLimiter.admit(token: request.bearerToken, nowMillis: loop.now) {
            return refuseRateLimited(responder, retryAfter: retryAfter)
        }
        guard store.sharesRateLimits, let token = request.bearerToken else { return then() }
        let store = self.store
        let limit = options.rateLimit
        loop.offload({ try store.admitShared(token: token, limit: limit) }) { [self] outcome in
            if case .success(let retryAfter?) = outcome { return refuseRateLimited(responder, retryAfter: retryAfter) }
            then()
        }
    }

    private func refuseRateLimited(_ responder: HTTPResponder, retryAfter: Int) {
        metrics.rateLimited.increment()
        fail(
            responder,
            ErrorResponse(
                code: .rateLimited,
                message:
                    "too many requests for this token (at most \(options.rateLimit.perSecond) per second, bursts of "
                    + "\(Int(options.rateLimit.burst))); retry in \(retryAfter) s"
            ),
            headers: ["Retry-After": String(retryAfter)])
    }

    /// `/healthz` and `/metrics` need no token and so answer only on the machine itself,
    /// unless central was started with `--public-metrics`.
    private func local(_ request: HTTPRequest, _ responder: HTTPResponder, then: () -> Void) {
        guard options.publicMetrics || request.peerIsLoopback else {
            return fail(
                responder,
                ErrorResponse(
                    code: .forbidden,
                    message:
                        "\(request.path) answers only to loopback peers; start central with --public-metrics to open it"
                ))
        }
        then()
    }

    // MARK: Push

    private func push(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let token = request.bearerToken
        let store = self.store
        let acceptsGzip = request.acceptsGzip
        let planner = effects.planner
        // Decoding, settling and encoding all happen on the thread pool; the loop only sends.
        offloaded(
            responder,
            { () throws(ErrorResponse) in
                let result = try store.push(
                    body: try Self.jsonPayload(request, of: "push"), token: token, planner: planner)
                return (result, Self.compressedIfWorthIt(result.response.encoded(), gzip: acceptsGzip))
            }
        ) { [self] result, encoded in
            metrics.recordPush(result)
            responder.send(Self.jsonResponse(encoded))
            advanceHead(to: result.response.headVersion, shops: result.loggedShops)
            if result.effectsRecorded > 0 { effects.wake() }
        }
    }

    /// Runs `work` (decoding, database, encoding) on the thread pool and, back on the loop,
    /// hands its result to `answer` or turns its error into the protocol's error reply.
    func offloaded<Output: Sendable>(
        _ responder: HTTPResponder, _ work: @escaping @Sendable () throws(ErrorResponse) -> Output,
        answer: @escaping (Output) -> Void
    ) {
        loop.offload({ () -> Result<Output, ErrorResponse> in
            do throws(ErrorResponse) {
                return .success(try work())
            } catch {
                return .failure(error)
            }
        }) { [self] outcome in
            switch outcome {
            case .success(.success(let output)): answer(output)
            case .success(.failure(let error)): fail(responder, error)
            case .failure(let error): fail(responder, ErrorResponse.wrapping(error))
            }
        }
    }

    /// Big JSON replies are gzipped on the thread pool rather than by the server on the loop.
    static let gzipMinimumBytes = 1024

    struct EncodedBody: Sendable {
        var bytes: [UInt8]
        var gzipped: Bool
    }

    static func compressedIfWorthIt(_ body: [UInt8], gzip: Bool) -> EncodedBody {
        guard gzip, body.count >= gzipMinimumBytes, let compressed = try? Gzip.compress(body, level: 1) else {
            return EncodedBody(bytes: body, gzipped: false)
        }
        return EncodedBody(bytes: compressed, gzipped: true)
    }

    static func jsonResponse(_ body: EncodedBody) -> HTTPResponse {
        var response = HTTPResponse.json(bytes: body.bytes)
        if body.gzipped {
            response.headers.set("Content-Encoding", "gzip")
            response.headers.add("Vary", "Accept-Encoding")
        }
        return response
    }

    /// The request's JSON body, checked and decompressed (`what`: push, audit); on the thread pool.
    static func jsonPayload(_ request: HTTPRequest, of what: String) throws(ErrorResponse) -> [UInt8] {
        try decompressed(try jsonBody(request, of: what), request: request)
    }

    /// The content-type and size checks that need no decompression.
    private static func jsonBody(_ request: HTTPRequest, of what: String) throws(ErrorResponse) -> [UInt8] {
        let contentType = request.headers["Content-Type"]?.split(separator: ";").first.map {
            String($0).trimmingSpaces.lowercased()
        }
        guard contentType == "application/json" else {
            throw ErrorResponse(
                code: .unsupportedMediaType,
                message: "\(what) bodies are application/json, not \(contentType ?? "unlabelled")")
        }
        if request.body.count > ProtocolLimits.maximumBodyBytes {
            throw ErrorResponse(
                code: .payloadTooLarge,
                message: "a \(what) body is at most \(ProtocolLimits.maximumBodyBytes) bytes; send less per request",
                limit: Int64(ProtocolLimits.maximumBodyBytes))
        }
        return request.body
    }

    /// The body after `Content-Encoding` (identity or gzip), within the protocol's size limit.
    private static func decompressed(_ body: [UInt8], request: HTTPRequest) throws(ErrorResponse) -> [UInt8] {
        let encoding = request.headers["Content-Encoding"]?.trimmingSpaces.lowercased() ?? "identity"
        switch encoding {
        case "identity", "":
            return body
        case "gzip", "x-gzip":
            do {
                return try Gzip.decompress(body, limit: ProtocolLimits.maximumBodyBytes)
            } catch {
                // `Gzip.decompress` reports the limit as an inflate error of its own wording.
                if error.operation == "inflate", error.message.hasPrefix("output exceeds") {
                    throw ErrorResponse(
                        code: .payloadTooLarge,
                        message: "the decompressed push body exceeds \(ProtocolLimits.maximumBodyBytes) bytes",
                        limit: Int64(ProtocolLimits.maximumBodyBytes))
                }
                throw ErrorResponse(code: .malformedJSON, message: "the gzip body does not decompress: \(error)")
            }
        default:
            throw ErrorResponse(
                code: .unsupportedMediaType, message: "Content-Encoding \(encoding) is not supported; use gzip or none")
        }
    }

    /// Tells the streams of `shops` (nil: every stream) that the log advanced to `version`.
    /// Pushes finish on the loop in any order: a push whose version is already below the head
    /// still tells its shops (with the head), whose streams the later push may not have reached;
    /// the `all` streams heard of that head already.
    func advanceHead(to version: Int64, shops: Set<String>? = nil) {
        let behind = version <= headVersion
        if behind && (shops?.isEmpty ?? true) { return }
        headVersion = max(headVersion, version)
        let event = StreamEvent(headVersion: headVersion)
        hub.broadcast(
            ServerSentEvent(id: String(headVersion), event: StreamEvent.eventName, data: event.wire.canonicalString),
            toShops: shops, everyShop: !behind)
    }

    // MARK: Pull

    private func pull(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let pullRequest: PullRequest
        do {
            try Self.checkVersionHeader(request)
            pullRequest = try PullRequest(query: request.query)
        } catch {
            fail(responder, error)
            return
        }
        scopedRead(request, responder) { store, shop throws(ErrorResponse) in
            try store.pullPage(pullRequest, shop: shop).body
        } sent: { [self] in
            metrics.pulls.increment()
        }
    }

    // MARK: Stream

    private func stream(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let resume: Int64
        do {
            try Self.checkVersionHeader(request)
            resume = try StreamEvent.resumeVersion(lastEventID: request.headers["Last-Event-ID"])
        } catch {
            fail(responder, error)
            return
        }
        authenticated(request, responder) { [self] node in
            let stream = hub.subscribe(responder, request: request, shop: node.readableShop)
            // A reconnecting node learns at once that it missed something.
            if resume < headVersion {
                stream.send(
                    ServerSentEvent(
                        id: String(headVersion), event: StreamEvent.eventName,
                        data: StreamEvent(headVersion: headVersion).wire.canonicalString))
            }
        }
    }

    // MARK: Health

    /// 200 with the head as the database has it, once a read of the database succeeded; 503
    /// `unavailable` when it cannot be read (PostgreSQL down or unreachable, a broken file).
    private func health(_ responder: HTTPResponder) {
        let store = self.store
        offloaded(responder, { () throws(ErrorResponse) in try store.databaseHeadVersion() }) { [self] head in
            advanceHead(to: head)
            responder.send(.json(bytes: HealthResponse(headVersion: max(head, headVersion)).encoded()))
        }
    }

    // MARK: Metrics

    private func metricsPage(_ responder: HTTPResponder) {
        let body = metrics.render(
            streams: hub.subscriberCount, headVersion: headVersion, lag: loop.lagMonitor?.snapshot)
        responder.send(
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: body)
        )
    }

    /// Checks the bearer token off the loop, then runs `then` on the loop (or answers 401).
    private func authenticated(
        _ request: HTTPRequest, _ responder: HTTPResponder, then: @escaping (NodeRecord) -> Void
    ) {
        let token = request.bearerToken
        let store = self.store
        loop.offload({ () -> Result<NodeRecord, ErrorResponse> in
            do throws(ErrorResponse) {
                return .success(try store.authenticate(token: token))
            } catch {
                return .failure(error)
            }
        }) { [self] outcome in
            switch outcome {
            case .success(.success(let node)): then(node)
            case .success(.failure(let error)): fail(responder, error)
            case .failure(let error): fail(responder, ErrorResponse.wrapping(error))
            }
        }
    }
}
