import EventLoop
import Foundation
import HTTP
import SyncCore

/// A central for the daemon's tests: SyncCore's in-memory `CentralModel` behind our HTTPServer,
/// speaking the protocol's endpoints (healthz, push, pull, snapshot, stream, accounts, audit) on
/// 127.0.0.1, with switches to misbehave (refuse a version, answer one push with an error).
/// Loop-confined; tests reach it through `loop.submit`.
final class TestCentral {
    let loop: EventLoop
    private(set) var model = CentralModel()
    /// Bearer token → node id.
    var tokens: [String: String] = [:]
    /// What `/healthz` says this central speaks.
    var supportedVersions = ProtocolVersion.supported
    /// The versions a snapshot request may be sent at: 3 only, as a central from before compact
    /// pages (SYNC-PROTOCOL.md §4.9.1), which sends the node back to JSON pages.
    var snapshotVersions: ClosedRange<Int64> = 3...3
    private(set) var refusedSnapshotVersions = 0
    /// Answered (once) instead of processing the next push.
    var nextPushError: ErrorResponse?
    /// When set, the next push gets a 409 `sequence_gap` asking to resend from its first
    /// sequence (as if central had lost track of it), once.
    var injectGap = false
    /// Called after every request central answered, so tests can wait on it.
    var onActivity: () -> Void = {}
    private(set) var pushes: [PushRequest] = []
    /// The staff accounts `GET /v1/accounts` serves; set them with `setAccounts`.
    private(set) var accounts: [StaffAccount] = []
    /// Sign-in events nodes uploaded (`POST /v1/audit`), first copy of each id.
    private(set) var auditEvents: [AuthEvent] = []
    private(set) var accountFetches: [Int64?] = []
    private(set) var pullCount = 0
    private(set) var snapshotCount = 0
    private(set) var healthChecks = 0
    private var server: HTTPServer?
    private var hub: EventStreamHub?
    private(set) var port = 0

    init(loop: EventLoop) {
        loop.assertInLoopThread()
        self.loop = loop
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var isRunning: Bool { server != nil }

    /// Starts serving, on `port` (0 picks one; a stopped central restarts on its old port).
    func start(port requested: Int? = nil) throws {
        var configuration = HTTPServer.Configuration()
        configuration.port = requested ?? port
        var hubConfiguration = EventStreamHub.Configuration()
        hubConfiguration.retry = .milliseconds(100)
        let hub = EventStreamHub(loop: loop, configuration: hubConfiguration)
        self.hub = hub
        server = try HTTPServer(loop: loop, configuration: configuration, router: makeRouter(hub: hub))
        port = server!.port
    }

    /// Goes away at once: listener and every connection (streams included) closed.
    func stop() {
        hub?.close()
        hub = nil
        server?.forceClose()
        server = nil
    }

    private func makeRouter(hub: EventStreamHub) -> HTTPRouter {
        var router = HTTPRouter()
        router.get("/healthz") { [unowned self] _, responder in
            healthChecks += 1
            responder.send(
                .json(
                    bytes: HealthResponse(supportedVersions: supportedVersions, headVersion: model.headVersion)
                        .encoded()))
        }
        router.post("/v1/push") { [unowned self] request, responder in
            responder.send(push(request))
            onActivity()
        }
        router.get("/v1/pull") { [unowned self] request, responder in
            guard authenticate(request) != nil else {
                return responder.send(Self.error(.unauthorized, "unknown token"))
            }
            pullCount += 1
            do throws(ErrorResponse) {
                let pull = try PullRequest(query: request.query)
                responder.send(.json(bytes: model.pull(pull).encoded()))
            } catch {
                responder.send(Self.error(error))
            }
        }
        router.get("/v1/snapshot") { [unowned self] request, responder in
            guard authenticate(request) != nil else {
                return responder.send(Self.error(.unauthorized, "unknown token"))
            }
            if let version = request.headers[ProtocolVersion.headerName].flatMap({ Int64($0) }) {
                do throws(VersionMismatch) {
                    try ProtocolVersion.check(version, accepting: snapshotVersions)
                } catch {
                    refusedSnapshotVersions += 1
                    return responder.send(Self.error(ErrorResponse(error)))
                }
            }
            snapshotCount += 1
            do throws(ErrorResponse) {
                let snapshot = try SnapshotRequest(query: request.query)
                // The model's state is at its head; a snapshot continued after pushes is at a later
                // one, which pulling from the pinned version merges again without effect.
                let version = snapshot.version ?? model.headVersion
                responder.send(
                    .json(
                        bytes: model.replica.snapshotPage(
                            after: snapshot.after, limit: snapshot.limit, version: version,
                            headVersion: model.headVersion
                        ).encoded()))
            } catch {
                responder.send(Self.error(error))
            }
        }
        router.get("/v1/accounts") { [unowned self] request, responder in
            responder.send(accountsAnswer(request))
            onActivity()
        }
        router.post("/v1/audit") { [unowned self] request, responder in
            responder.send(auditAnswer(request))
            onActivity()
        }
        router.get("/v1/stream") { [unowned self] request, responder in
            guard authenticate(request) != nil else {
                return responder.send(Self.error(.unauthorized, "unknown token"))
            }
            let seen = (try? StreamEvent.resumeVersion(lastEventID: request.headers["Last-Event-ID"])) ?? 0
            let (stream, _) = hub.subscribe(responder, request: request, lastEventID: "")
            if model.headVersion > seen { stream.send(Self.event(head: model.headVersion)) }
        }
        return router
    }

    /// Replaces central's accounts (each with its own version, as central's account log has them).
    func setAccounts(_ accounts: [StaffAccount]) {
        self.accounts = accounts
    }

    var accountsVersion: Int64 { accounts.map(\.version).max() ?? 0 }

    private func accountsAnswer(_ request: HTTPRequest) -> HTTPResponse {
        guard authenticate(request) != nil else { return Self.error(.unauthorized, "unknown token") }
        let known = request.query["known"].flatMap { Int64($0) }
        accountFetches.append(known)
        let response =
            known == accountsVersion
            ? AccountsResponse(accounts: [], version: accountsVersion)
            : AccountsResponse(accounts: accounts, version: accountsVersion)
        return .json(bytes: response.encoded())
    }

    private func auditAnswer(_ request: HTTPRequest) -> HTTPResponse {
        guard authenticate(request) != nil else { return Self.error(.unauthorized, "unknown token") }
        do throws(SyncDecodingError) {
            let upload = try AuditUploadRequest.decode(request.body)
            let known = Set(auditEvents.map(\.id))
            let new = upload.events.filter { !known.contains($0.id) }
            auditEvents += new
            return .json(
                bytes: AuditUploadResponse(
                    recorded: Int64(new.count), duplicates: Int64(upload.events.count - new.count)
                ).encoded())
        } catch {
            return Self.error(ErrorResponse(error))
        }
    }

    private func authenticate(_ request: HTTPRequest) -> String? {
        request.bearerToken.flatMap { tokens[$0] }
    }

    private func push(_ request: HTTPRequest) -> HTTPResponse {
        guard let node = authenticate(request) else { return Self.error(.unauthorized, "unknown token") }
        let push: PushRequest
        do throws(SyncDecodingError) {
            push = try PushRequest.decode(request.body)
        } catch {
            return Self.error(ErrorResponse(error))
        }
        pushes.append(push)
        if let error = nextPushError {
            nextPushError = nil
            return Self.error(error)
        }
        if injectGap, let first = push.changes.first {
            injectGap = false
            return Self.error(
                ErrorResponse(
                    code: .sequenceGap, message: "resend from \(first.sequence)", expectedSequence: first.sequence))
        }
        let before = model.headVersion
        do throws(ErrorResponse) {
            let nowMillis = UInt64(Date().timeIntervalSince1970 * 1000)
            let response = try model.push(push, authenticatedNode: node, nowMillis: nowMillis)
            if model.headVersion > before { hub?.broadcast(Self.event(head: model.headVersion)) }
            return .json(bytes: response.encoded())
        } catch {
            return Self.error(error)
        }
    }

    private static func event(head: Int64) -> ServerSentEvent {
        ServerSentEvent(
            id: String(head), event: StreamEvent.eventName, data: StreamEvent(headVersion: head).wire.canonicalString)
    }

    static func error(_ code: ErrorCode, _ message: String) -> HTTPResponse {
        error(ErrorResponse(code: code, message: message))
    }

    static func error(_ error: ErrorResponse) -> HTTPResponse {
        .json(bytes: error.encoded(), status: HTTPStatus(error.httpStatus))
    }
}
