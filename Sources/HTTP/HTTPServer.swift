import CLibUV
import EventLoop
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 server on a libuv TCP listener, parsing with http-parser. Lives on one loop
/// thread: create it there, and every handler runs there.
///
/// ```swift
/// var router = HTTPRouter()
/// router.get("/healthz") { _, responder in responder.send(.text("ok\n")) }
/// router.post("/v1/push") { request, responder in
///     guard request.bearerToken == token else { throw HTTPError(.unauthorized, "bad token") }
///     // Database work off the loop; the answer is sent back on the loop.
///     loop.offload({ try store.apply(request.body) }) { result in
///         switch result {
///         case .success(let reply): responder.sendJSON(reply)
///         case .failure(let error): responder.fail(HTTPError(.unprocessableEntity, "\(error)"))
///         }
///     }
/// }
/// let server = try HTTPServer(loop: loop, configuration: .init(), router: router)
/// ```
///
/// Keep-alive and pipelined requests are answered in order (one request is handled at a time per
/// connection; bytes that arrive meanwhile wait). Limits answer with 413/431/400 and close the
/// connection; slow or silent connections are closed by the header and idle timeouts.
package final class HTTPServer: LoopService {
    package struct Configuration: Sendable {
        /// Address to bind. 127.0.0.1 unless told otherwise.
        package var host: String = "127.0.0.1"
        /// 0 picks a free port; read it back from `port`.
        package var port: Int = 0
        package var backlog: Int32 = 511
        /// Connections beyond this get a 503 and are closed.
        package var maxConnections: Int = 1024
        /// Request line plus header fields, in bytes; more gets 431.
        package var maxHeaderBytes: Int = 16 * 1024
        /// Request body in bytes (declared or chunked); more gets 413.
        package var maxBodyBytes: Int = 8 * 1024 * 1024
        /// From a request's first byte to the end of its headers; over it, 408 and close.
        package var headerTimeout: Duration = .seconds(10)
        /// A keep-alive connection with nothing to do, or a body that stops arriving, is closed after this.
        package var idleTimeout: Duration = .seconds(60)
        /// After an error response, how long unread input is drained before the socket is closed
        /// (closing at once could reset the connection before the client reads the response).
        package var lingerTimeout: Duration = .seconds(2)
        /// Bodies at least this large are gzipped when the client accepts gzip; nil never gzips.
        package var gzipMinimumBytes: Int? = 1024
        /// The Server header; nil sends none.
        package var serverName: String? = "kct"
        /// Bytes a streaming response (SSE) may have queued before the client counts as too slow
        /// and is disconnected.
        package var maxQueuedStreamBytes: Int = 1024 * 1024

        package init() {}
    }

    package let loop: EventLoop
    package let configuration: Configuration
    package let logger: Logger
    let router: HTTPRouter
    /// The port actually bound (useful with port 0).
    package private(set) var port: Int = 0

    private var listener: UnsafeMutableRawPointer?
    /// Checks connections' timeouts; runs only while there are connections, so an idle server
    /// does not wake the process.
    private var sweepTimer: LoopTimer?
    private var sweepPeriod: Duration = .seconds(1)
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    /// One read buffer for every connection: reads are consumed before the next read callback.
    let readBuffer: UnsafeMutableRawBufferPointer
    private var cachedDate: (second: Int, bytes: [UInt8]) = (-1, [])
    package private(set) var isShuttingDown = false
    private var isClosed = false
    /// Called once when the server has closed its listener and every connection.
    package var onClosed: (() -> Void)?

    /// Requests handled since start, for metrics.
    package private(set) var requestsHandled = 0
    /// Connections refused because `maxConnections` were open.
    package private(set) var connectionsRefused = 0

    /// Binds and starts listening at once.
    package init(
        loop: EventLoop, configuration: Configuration = Configuration(), router: HTTPRouter,
        logger: Logger = Logger(label: "kct.http.server")
    ) throws(UVError) {
        loop.assertInLoopThread()
        self.loop = loop
        self.configuration = configuration
        self.router = router
        self.logger = logger
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

        let handle = uvAllocateHandle(UV_TCP)
        let tcp = handle.assumingMemoryBound(to: uv_tcp_t.self)
        let initResult = uv_tcp_init(loop.uvLoop, tcp)
        if initResult < 0 {
            handle.deallocate()
            throw UVError(code: initResult, operation: "uv_tcp_init")
        }
        uvAttach(self, to: handle)
        listener = handle
        do {
            try bindAndListen(tcp)
        } catch {
            uvCloseHandle(handle)
            listener = nil
            throw error
        }
        let period = min(configuration.headerTimeout, configuration.idleTimeout, configuration.lingerTimeout) / 4
        sweepPeriod = min(max(period, .milliseconds(10)), .seconds(1))
        let sweep = loop.makeTimer(managedByOwner: true) { [weak self] _ in self?.sweep() }
        sweep.unref()
        sweepTimer = sweep
        loop.register(self)
        logger.debug("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
    }

    deinit {
        readBuffer.deallocate()
    }

    private func bindAndListen(_ tcp: UnsafeMutablePointer<uv_tcp_t>) throws(UVError) {
        guard (0...65535).contains(configuration.port) else {
            throw UVError(code: UV_EINVAL.rawValue, operation: "listen on port \(configuration.port)")
        }
        var storage = sockaddr_storage()
        let host = configuration.host
        let port = Int32(configuration.port)
        let parsed: Int32 = withUnsafeMutablePointer(to: &storage) { pointer in
            if host.contains(":") {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_addr(host, port, $0) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_addr(host, port, $0) }
        }
        try UVError.check(parsed, "uv_ip_addr(\(host))")
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(tcp, $0, 0) }
        }
        try UVError.check(bound, "uv_tcp_bind(\(host):\(port))")
        try UVError.check(
            uv_listen(UnsafeMutableRawPointer(tcp).uvStream, configuration.backlog, connectionArrived), "uv_listen")

        var actual = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getsockname(tcp, $0, &length) }
        }
        try UVError.check(named, "uv_tcp_getsockname")
        self.port = withUnsafePointer(to: &actual) { pointer in
            if Int32(pointer.pointee.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
    }

    package var connectionCount: Int { connections.count }

    // MARK: Accepting

    fileprivate func accept() {
        guard let listener else { return }
        let handle = uvAllocateHandle(UV_TCP)
        let tcp = handle.assumingMemoryBound(to: uv_tcp_t.self)
        let initResult = uv_tcp_init(loop.uvLoop, tcp)
        if initResult < 0 {
            handle.deallocate()
            logger.warning(
                "cannot accept", metadata: ["error": "\(UVError(code: initResult, operation: "uv_tcp_init"))"])
            return
        }
        let connection = HTTPConnection(server: self, handle: handle)
        let accepted = uv_accept(listener.uvStream, handle.uvStream)
        if accepted < 0 {
            logger.warning("cannot accept", metadata: ["error": "\(UVError(code: accepted, operation: "uv_accept"))"])
            connection.close()
            return
        }
        connection.peerIsLoopback = HTTPConnection.peerIsLoopback(tcp)
        if connections.count >= configuration.maxConnections || isShuttingDown {
            connectionsRefused += 1
            connection.refuse()
            return
        }
        connections[ObjectIdentifier(connection)] = connection
        if let sweepTimer, !sweepTimer.isActive { sweepTimer.start(after: sweepPeriod, repeating: sweepPeriod) }
        connection.start()
    }

    func connectionClosed(_ connection: HTTPConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
        if isShuttingDown { finishShutdownIfIdle() }
    }

    func countRequest() { requestsHandled += 1 }

    // MARK: Timeouts

    private func sweep() {
        if connections.isEmpty {
            sweepTimer?.stop()
            return
        }
        let now = loop.now
        for connection in Array(connections.values) { connection.checkTimeouts(now: now) }
    }

    // MARK: Date header

    /// `Date: …\r\n`, formatted once per second.
    var dateHeaderLine: [UInt8] {
        let second = Int(time(nil))
        if second != cachedDate.second {
            var moment = time_t(second)
            var parts = tm()
            gmtime_r(&moment, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let length = strftime(&buffer, buffer.count, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &parts)
            cachedDate = (second, buffer[0..<length].map { UInt8(bitPattern: $0) })
        }
        return cachedDate.bytes
    }

    // MARK: Shutdown

    /// Stops accepting, lets in-flight requests finish, closes idle connections and ends streams.
    package func beginShutdown() {
        loop.assertInLoopThread()
        guard !isShuttingDown else { return }
        isShuttingDown = true
        closeListener()
        for connection in Array(connections.values) { connection.serverShuttingDown() }
        // In-flight requests may wait on work that keeps nothing else alive (a connection that
        // stopped reading, a handler's timer): the sweep timer holds the loop until they finish
        // or the loop's grace period force-closes the server.
        sweepTimer?.ref()
        finishShutdownIfIdle()
    }

    /// Closes the listener and every connection now.
    package func forceClose() {
        loop.assertInLoopThread()
        isShuttingDown = true
        closeListener()
        for connection in Array(connections.values) { connection.forceClose() }
        finishShutdownIfIdle()
    }

    /// Graceful shutdown of this server alone (the loop keeps running).
    package func shutdown() { beginShutdown() }

    private func closeListener() {
        if let listener {
            uvCloseHandle(listener)
            self.listener = nil
        }
    }

    private func finishShutdownIfIdle() {
        guard connections.isEmpty, !isClosed else { return }
        isClosed = true
        sweepTimer?.close()
        sweepTimer = nil
        loop.unregister(self)
        logger.debug("closed")
        let closed = onClosed
        onClosed = nil
        closed?()
    }
}

private let connectionArrived: uv_connection_cb = { stream, status in
    guard let stream else { return }
    let server = uvOwner(of: stream, as: HTTPServer.self)
    if status < 0 {
        server.logger.warning("accept failed", metadata: ["error": "\(UVError(code: status, operation: "listen"))"])
        return
    }
    server.accept()
}
