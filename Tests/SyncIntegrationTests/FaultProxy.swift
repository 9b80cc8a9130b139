import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP proxy on 127.0.0.1 between node daemons and central that injects faults: added
/// latency, refused or dropped connections, a connection cut in the middle of a request or
/// response body, and a peer that stops answering. Nodes are pointed at `url` instead of
/// central. It reads HTTP/1.1 just enough to know where a message's body starts and ends
/// (Content-Length; a response without one, the event stream, runs until the connection ends),
/// so faults hit one exchange (`POST /v1/push`, `GET /v1/pull?…`, `GET /v1/stream`) at a chosen
/// byte. Blocking sockets on threads of its own: test support, not part of any loop.
final class FaultProxy: Sendable {
    /// What to do to the next exchanges whose request target starts with `path`.
    enum Fault: Sendable, Equatable {
        /// Forward the request's headers and `afterBytes` bytes of its body, then close both sides.
        case cutRequest(path: String, afterBytes: Int)
        /// Forward the request; forward the response's headers and `afterBytes` bytes of its body,
        /// then close both sides.
        case cutResponse(path: String, afterBytes: Int)
        /// Forward the request; forward `afterBytes` bytes of the response's body (headers
        /// included when ≥ 0; -1 holds back the headers too), then nothing more until the client
        /// gives up.
        case stallResponse(path: String, afterBytes: Int)
        /// Accept a connection and close it at once, before any byte (a dropped connection).
        case refuseConnection

        var path: String? {
            switch self {
            case .cutRequest(let path, _), .cutResponse(let path, _), .stallResponse(let path, _): path
            case .refuseConnection: nil
            }
        }
    }

    private struct State {
        var faults: [(fault: Fault, remaining: Int)] = []
        var fired: [Fault] = []
        var latencyMillis = 0
        var connections: [ObjectIdentifier: ProxiedConnection] = [:]
        var stopped = false
    }

    let port: Int
    let upstreamPort: Int
    private let listener: Int32
    private let state = Mutex(State())
    private let acceptDone = DispatchSemaphore(value: 0)

    var url: String { "http://127.0.0.1:\(port)" }

    /// Listens on a free loopback port and forwards to 127.0.0.1:`upstreamPort`.
    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure("proxy: socket failed: \(String(cString: strerror(errno)))") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 64) == 0 else {
            let message = String(cString: strerror(errno))
            close(socket)
            throw Failure("proxy: cannot listen on 127.0.0.1: \(message)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = socket
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fault-proxy-accept"
        thread.start()
    }

    deinit { stop() }

    /// Injects `fault` for the next `times` exchanges (or connections) it matches.
    func inject(_ fault: Fault, times: Int = 1) {
        state.withLock { $0.faults.append((fault, times)) }
    }

    /// Forgets the faults that have not fired.
    func clearFaults() {
        state.withLock { $0.faults.removeAll() }
    }

    /// Delay added before every chunk forwarded, both ways.
    func setLatency(milliseconds: Int) {
        state.withLock { $0.latencyMillis = milliseconds }
    }

    /// The faults that took effect so far (a connection really cut, stalled or refused), in order.
    var fired: [Fault] { state.withLock { $0.fired } }

    /// Faults injected that have not fired yet.
    var pendingFaults: Int { state.withLock { $0.faults.reduce(0) { $0 + $1.remaining } } }

    /// Connections open through the proxy now.
    var openConnections: Int { state.withLock { $0.connections.count } }

    /// Closes every open connection (streams included) at once, as a network cut would.
    func dropConnections() {
        for connection in state.withLock({ Array($0.connections.values) }) { connection.cut() }
    }

    /// Stops listening and closes every connection. Idempotent.
    func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        acceptDone.wait()
        close(listener)
        dropConnections()
    }

    // MARK: Internals

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        defer { acceptDone.signal() }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            if state.withLock({ $0.stopped }) {
                close(client)
                return
            }
            if let refusal = take(where: { $0 == .refuseConnection }) {
                close(client)
                recordFired(refusal)
                continue
            }
            guard let upstream = Self.connectUpstream(port: upstreamPort) else {
                close(client) // central is down: the node sees the connection end, as if refused
                continue
            }
            let connection = ProxiedConnection(client: client, upstream: upstream, proxy: self)
            state.withLock { $0.connections[ObjectIdentifier(connection)] = connection }
            connection.start()
        }
    }

    private static func connectUpstream(port: Int) -> Int32? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        var address = loopback(port: UInt16(port))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            return nil
        }
        return socket
    }

    /// Takes one use of the first injected fault that `matches`.
    fileprivate func take(where matches: (Fault) -> Bool) -> Fault? {
        state.withLock { state in
            guard let index = state.faults.firstIndex(where: { $0.remaining > 0 && matches($0.fault) }) else {
                return nil
            }
            state.faults[index].remaining -= 1
            return state.faults[index].fault
        }
    }

    fileprivate func recordFired(_ fault: Fault) {
        state.withLock { $0.fired.append(fault) }
    }

    fileprivate var latencyMillis: Int { state.withLock { $0.latencyMillis } }

    fileprivate func finished(_ connection: ProxiedConnection) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }
}

/// One client connection and its upstream twin, pumped by two threads. Either pump may cut the
/// pair; both descriptors are closed exactly once, by the pump that finishes last.
private final class ProxiedConnection: Sendable {
    /// What the response to the request in flight gets.
    enum ResponseAction: Sendable {
        case forward
        case cut(afterBytes: Int, fault: FaultProxy.Fault)
        case stall(afterBytes: Int, fault: FaultProxy.Fault)
    }

    let client: Int32
    let upstream: Int32
    let proxy: FaultProxy
    private let pumpsRunning = Atomic<Int>(2)
    private let responseAction = Mutex(ResponseAction.forward)

    init(client: Int32, upstream: Int32, proxy: FaultProxy) {
        self.client = client
        self.upstream = upstream
        self.proxy = proxy
    }

    func start() {
        let requests = Thread { [self] in
            pumpRequests()
            pumpFinished()
        }
        requests.name = "fault-proxy-requests"
        let responses = Thread { [self] in
            pumpResponses()
            pumpFinished()
        }
        responses.name = "fault-proxy-responses"
        requests.start()
        responses.start()
    }

    /// Ends both directions now: each pump's blocking read returns and the pumps finish.
    func cut() {
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(upstream, Int32(SHUT_RDWR))
    }

    private func pumpFinished() {
        guard pumpsRunning.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        close(client)
        close(upstream)
        proxy.finished(self)
    }

    /// Client → central, request by request.
    private func pumpRequests() {
        var tracker = HTTPMessageTracker(isRequest: true)
        var bodyLeftBeforeCut: Int?
        var cutting: FaultProxy.Fault?
        forEachChunk(from: client) { chunk in
            var offset = 0
            while offset < chunk.count {
                let step = tracker.consume(chunk, from: offset)
                var forwardCount = step.consumed
                if step.inBody, let left = bodyLeftBeforeCut {
                    if forwardCount >= left {
                        forwardCount = left
                        guard send(chunk, offset, forwardCount, to: upstream) else { return false }
                        cut()
                        if let cutting { proxy.recordFired(cutting) }
                        return false
                    }
                    bodyLeftBeforeCut = left - forwardCount
                }
                guard send(chunk, offset, forwardCount, to: upstream) else { return false }
                offset += step.consumed
                if let target = step.headersCompleted {
                    bodyLeftBeforeCut = nil
                    cutting = nil
                    let fault = proxy.take(where: { fault in fault.path.map { target.hasPrefix($0) } ?? false })
                    switch fault {
                    case .cutRequest(_, let afterBytes)?:
                        bodyLeftBeforeCut = afterBytes
                        cutting = fault
                        if afterBytes == 0 {
                            cut()
                            proxy.recordFired(fault!)
                            return false
                        }
                    case .cutResponse(_, let afterBytes)?:
                        responseAction.withLock { $0 = .cut(afterBytes: afterBytes, fault: fault!) }
                    case .stallResponse(_, let afterBytes)?:
                        responseAction.withLock { $0 = .stall(afterBytes: afterBytes, fault: fault!) }
                    case .refuseConnection?, nil: responseAction.withLock { $0 = .forward }
                    }
                }
            }
            return true
        }
        // The client is done sending (or gone): let central see the end too.
        shutdown(upstream, Int32(SHUT_WR))
    }

    /// Central → client, applying the action chosen when the request went up.
    private func pumpResponses() {
        var tracker = HTTPMessageTracker(isRequest: false)
        var action = ResponseAction.forward
        var bodySent = 0
        var stalled = false
        forEachChunk(from: upstream) { chunk in
            var offset = 0
            while offset < chunk.count {
                if tracker.atMessageStart {
                    action = responseAction.withLock { current in
                        defer { current = .forward }
                        return current
                    }
                    bodySent = 0
                    if case .stall(let afterBytes, let fault) = action, afterBytes < 0 {
                        stalled = true
                        proxy.recordFired(fault)
                    }
                }
                let step = tracker.consume(chunk, from: offset)
                if stalled { return true } // read and drop: the client hears nothing more
                var forwardCount = step.consumed
                if step.inBody {
                    switch action {
                    case .forward: break
                    case .cut(let afterBytes, let fault), .stall(let afterBytes, let fault):
                        if bodySent + forwardCount >= afterBytes {
                            forwardCount = max(0, afterBytes - bodySent)
                            guard send(chunk, offset, forwardCount, to: client) else { return false }
                            proxy.recordFired(fault)
                            if case .cut = action {
                                cut()
                                return false
                            }
                            stalled = true
                            return true
                        }
                        bodySent += forwardCount
                    }
                }
                guard send(chunk, offset, forwardCount, to: client) else { return false }
                offset += step.consumed
            }
            return true
        }
        shutdown(client, Int32(SHUT_WR))
    }

    /// Reads chunks until end of stream, an error, or `handle` returns false.
    private func forEachChunk(from socket: Int32, _ handle: ([UInt8]) -> Bool) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            let latency = proxy.latencyMillis
            if latency > 0 { usleep(UInt32(latency) * 1000) }
            guard handle(Array(buffer[0..<count])) else { return }
        }
    }

    private func send(_ bytes: [UInt8], _ offset: Int, _ count: Int, to socket: Int32) -> Bool {
        var sent = 0
        while sent < count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(socket, raw.baseAddress! + offset + sent, count - sent, Int32(MSG_NOSIGNAL))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            sent += written
        }
        return true
    }
}

/// Where one direction of an HTTP/1.1 connection is: in a message's head (until the blank line)
/// or in its body (Content-Length bytes; a response without one runs to the end).
struct HTTPMessageTracker {
    struct Step {
        /// Bytes of the chunk this step covers (all of the head part or of the body part).
        var consumed: Int
        /// Whether those bytes are body bytes.
        var inBody: Bool
        /// The request target (or status line of a response) when this step completed a head.
        var headersCompleted: String?
    }

    let isRequest: Bool
    private var head: [UInt8] = []
    /// nil while reading a head; -1 for a body that runs to the end of the connection.
    private var bodyLeft: Int?

    init(isRequest: Bool) { self.isRequest = isRequest }

    var atMessageStart: Bool { bodyLeft == nil && head.isEmpty }

    mutating func consume(_ chunk: [UInt8], from offset: Int) -> Step {
        if let left = bodyLeft {
            let count = left < 0 ? chunk.count - offset : min(left, chunk.count - offset)
            if left >= 0 {
                bodyLeft = left - count
                if bodyLeft == 0 { bodyLeft = nil }
            }
            return Step(consumed: count, inBody: true)
        }
        var index = offset
        while index < chunk.count {
            head.append(chunk[index])
            index += 1
            if head.count >= 4, head.suffix(4).elementsEqual([13, 10, 13, 10]) {
                let text = String(decoding: head, as: UTF8.self)
                head.removeAll(keepingCapacity: true)
                let length = Self.contentLength(text)
                if let length {
                    bodyLeft = length > 0 ? length : nil
                } else {
                    bodyLeft = isRequest ? nil : -1
                }
                let firstLine = text.split(separator: "\r\n").first.map(String.init) ?? ""
                let parts = firstLine.split(separator: " ")
                let target = isRequest && parts.count >= 2 ? String(parts[1]) : firstLine
                return Step(consumed: index - offset, inBody: false, headersCompleted: target)
            }
        }
        return Step(consumed: index - offset, inBody: false)
    }

    static func contentLength(_ head: String) -> Int? {
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }
}
