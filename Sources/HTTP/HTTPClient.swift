import CCurl
import CLibUV
import EventLoop
import Logging

/// An HTTP client on libcurl's multi interface, driven by the event loop (the pattern of curl's
/// `docs/examples/multi-uv.c`): curl tells us which sockets to watch (a `uv_poll_t` each) and
/// when to call it back (one `uv_timer_t`); we report readiness with `curl_multi_socket_action`
/// and collect finished transfers with `curl_multi_info_read`. Connections are reused across
/// requests; gzip responses are decoded; https goes through curl's TLS.
///
/// Loop-confined: create it and call it on the loop thread; completions run there too.
package final class HTTPClient: LoopService {
    package struct Configuration: Sendable {
        /// Used when a request sets no timeout.
        package var defaultTimeout: Duration = .seconds(30)
        package var connectTimeout: Duration = .seconds(10)
        /// Bodies larger than this fail with `.responseTooLarge`.
        package var maxResponseBytes: Int = 64 * 1024 * 1024
        /// Idle connections curl keeps for reuse.
        package var maxCachedConnections: Int = 32
        /// Certificate bundle for https; nil uses the system's.
        package var caFile: String?
        /// Off only for tests against self-signed servers.
        package var verifyPeer: Bool = true
        package var userAgent: String = "kct"

        package init() {}
    }

    package let loop: EventLoop
    package let configuration: Configuration
    let logger: Logger
    let multi: UnsafeMutableRawPointer
    /// curl's single timer.
    private var timer: UnsafeMutableRawPointer?
    /// Transfers in the multi handle.
    var transfers: [ObjectIdentifier: CurlTransfer] = [:]
    /// Easy handles kept for reuse (`curl_easy_reset` keeps their caches).
    private var idleEasyHandles: [UnsafeMutableRawPointer] = []
    /// Depth of calls into curl; cancellations during them are deferred (curl forbids removing a
    /// handle from inside its own callbacks).
    var curlDepth = 0
    var deferredRemovals: [CurlTransfer] = []
    private(set) var isClosed = false
    /// Streams to close at shutdown (they never finish by themselves).
    var eventSources: [ObjectIdentifier: EventSource] = [:]
    /// Poll handles for curl's sockets, so any curl leaves behind are still closed in `close()`.
    private var watchers: [curl_socket_t: CurlSocketWatcher] = [:]

    package init(
        loop: EventLoop, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "kct.http.client")
    ) throws(HTTPClientError) {
        loop.assertInLoopThread()
        let global = CurlGlobal.initialized
        guard global == CURLE_OK else {
            throw HTTPClientError(
                kind: .invalidRequest, url: "", message: "curl_global_init failed", curlCode: Int(global.rawValue))
        }
        guard let multi = curl_multi_init() else {
            throw HTTPClientError(kind: .invalidRequest, url: "", message: "curl_multi_init failed")
        }
        self.loop = loop
        self.configuration = configuration
        self.logger = logger
        self.multi = multi
        let timerHandle = uvAllocateHandle(UV_TIMER)
        uv_timer_init(loop.uvLoop, timerHandle.assumingMemoryBound(to: uv_timer_t.self))
        uvAttach(self, to: timerHandle)
        timer = timerHandle

        // The client outlives the multi handle (cleaned up in `close`), so curl holds it unretained.
        let context = Unmanaged.passUnretained(self).toOpaque()
        kct_curl_multi_setopt_socket_callback(multi, curlSocketCallback)
        kct_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context)
        kct_curl_multi_setopt_timer_callback(multi, curlTimerCallback)
        kct_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context)
        kct_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxCachedConnections)
        loop.register(self)
    }

    // MARK: Requests

    /// Starts `request`; `completion` runs once on the loop thread with the response or a typed
    /// error. Returns a handle that can cancel it.
    @discardableResult
    package func send(
        _ request: HTTPClientRequest,
        completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) -> HTTPClientTask {
        loop.assertInLoopThread()
        let transfer = CurlTransfer(
            client: self, url: request.url, acceptedStatuses: request.acceptedStatuses,
            maxBytes: configuration.maxResponseBytes, mode: .buffered(completion))
        let task = HTTPClientTask(transfer: transfer)
        if let error = start(
            transfer, method: request.method, headers: request.headers, body: request.body,
            timeout: request.timeout ?? configuration.defaultTimeout, lowSpeedLimit: nil)
        {
            // Completions never run inside the call that started them.
            loop.schedule(after: .zero) { task.failBeforeStart(error) }
        }
        return task
    }

    /// Adds a configured transfer to the multi handle; an error if curl refused it.
    func start(
        _ transfer: CurlTransfer, method: HTTPMethod, headers: HTTPHeaders, body: [UInt8]?,
        timeout: Duration?, lowSpeedLimit: Duration?
    ) -> HTTPClientError? {
        guard !isClosed else {
            return HTTPClientError(kind: .cancelled, url: transfer.url, message: "the HTTP client is closed")
        }
        let easy = idleEasyHandles.popLast() ?? curl_easy_init()
        guard let easy else {
            return HTTPClientError(kind: .invalidRequest, url: transfer.url, message: "curl_easy_init failed")
        }
        transfer.easy = easy
        if let error = transfer.configure(
            method: method, headers: headers, body: body, timeout: timeout,
            lowSpeedLimit: lowSpeedLimit, configuration: configuration)
        {
            releaseEasy(transfer)
            return error
        }
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            releaseEasy(transfer)
            return HTTPClientError(
                kind: .invalidRequest, url: transfer.url,
                message: "curl_multi_add_handle: \(String(cString: curl_multi_strerror(added)))")
        }
        transfers[ObjectIdentifier(transfer)] = transfer
        return nil
    }

    /// Takes a transfer out of the multi handle (finished or cancelled) and recycles its easy handle.
    func remove(_ transfer: CurlTransfer) {
        guard let easy = transfer.easy else { return }
        if curlDepth > 0 {
            if !deferredRemovals.contains(where: { $0 === transfer }) { deferredRemovals.append(transfer) }
            return
        }
        curl_multi_remove_handle(multi, easy)
        transfers.removeValue(forKey: ObjectIdentifier(transfer))
        releaseEasy(transfer)
    }

    private func releaseEasy(_ transfer: CurlTransfer) {
        guard let easy = transfer.easy else { return }
        transfer.easy = nil
        transfer.releaseCResources()
        if !isClosed && idleEasyHandles.count < configuration.maxCachedConnections {
            curl_easy_reset(easy)
            idleEasyHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    // MARK: Driving curl

    /// Calls into curl, then completes whatever finished.
    func socketAction(_ socket: curl_socket_t, _ events: Int32) {
        var running: Int32 = 0
        curlDepth += 1
        curl_multi_socket_action(multi, socket, events, &running)
        curlDepth -= 1
        drainFinished()
    }

    private func drainFinished() {
        guard curlDepth == 0 else { return }
        while true {
            var remaining: Int32 = 0
            guard let message = curl_multi_info_read(multi, &remaining) else { break }
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            var pointer: UnsafeMutableRawPointer?
            kct_curl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &pointer)
            guard let pointer else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(pointer).takeUnretainedValue()
            transfer.captureStatus()
            remove(transfer)
            transfer.finish(code: code)
        }
        while !deferredRemovals.isEmpty {
            let pending = deferredRemovals
            deferredRemovals = []
            for transfer in pending {
                remove(transfer)
                transfer.finishCancelled()
            }
        }
    }

    fileprivate func timerFired() { socketAction(CURL_SOCKET_BAD, 0) }

    fileprivate func curlWantsTimer(_ milliseconds: Int) {
        guard let timer else { return }
        let handle = timer.assumingMemoryBound(to: uv_timer_t.self)
        if milliseconds < 0 {
            uv_timer_stop(handle)
        } else {
            // Never call curl from inside its own callback; 0 means "as soon as possible".
            uv_timer_start(handle, clientTimerFired, UInt64(milliseconds), 0)
        }
    }

    fileprivate func curlWantsSocket(_ socket: curl_socket_t, action: Int32, context: UnsafeMutableRawPointer?) {
        if action == CURL_POLL_REMOVE {
            if let context {
                let watcher = Unmanaged<CurlSocketWatcher>.fromOpaque(context).takeUnretainedValue()
                watcher.close()
                watchers.removeValue(forKey: socket)
                curl_multi_assign(multi, socket, nil)
            }
            return
        }
        let watcher: CurlSocketWatcher
        if let context {
            watcher = Unmanaged<CurlSocketWatcher>.fromOpaque(context).takeUnretainedValue()
        } else {
            guard let created = CurlSocketWatcher(client: self, socket: socket) else {
                logger.error("cannot watch curl's socket", metadata: ["socket": "\(socket)"])
                return
            }
            watcher = created
            watchers[socket] = created
            curl_multi_assign(multi, socket, Unmanaged.passUnretained(watcher).toOpaque())
        }
        var events: Int32 = 0
        if action == CURL_POLL_IN || action == CURL_POLL_INOUT { events |= Int32(UV_READABLE.rawValue) }
        if action == CURL_POLL_OUT || action == CURL_POLL_INOUT { events |= Int32(UV_WRITABLE.rawValue) }
        watcher.watch(events)
    }

    // MARK: Shutdown

    /// Closes event streams; ordinary requests may finish within the loop's grace period.
    package func beginShutdown() {
        for source in Array(eventSources.values) { source.close() }
        if let timer { uv_unref(timer.uvHandle) }
    }

    package func forceClose() { close() }

    /// Cancels every transfer (completions get `.cancelled`) and frees curl's and libuv's resources.
    package func close() {
        loop.assertInLoopThread()
        guard !isClosed else { return }
        for source in Array(eventSources.values) { source.close() }
        isClosed = true
        let pending = Array(transfers.values)
        for transfer in pending {
            remove(transfer)
            transfer.finishCancelled()
        }
        idleEasyHandles.forEach { curl_easy_cleanup($0) }
        idleEasyHandles.removeAll()
        // Cleanup may call the socket callback to drop watchers for cached connections.
        curl_multi_cleanup(multi)
        watchers.values.forEach { $0.close() }
        watchers.removeAll()
        if let timer {
            self.timer = nil
            uvCloseHandle(timer)
        }
        loop.unregister(self)
    }

    package var activeTransfers: Int { transfers.count }
}

/// One-time process-wide curl setup. A `static let` runs its initialiser exactly once, safely,
/// before any client uses curl (curl_global_init is not thread-safe on its own).
enum CurlGlobal {
    static let initialized: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
}

/// A cancellable in-flight request.
package final class HTTPClientTask {
    private let transfer: CurlTransfer

    init(transfer: CurlTransfer) { self.transfer = transfer }

    /// Stops the request; its completion gets `.cancelled` unless it already finished.
    package func cancel() { transfer.cancel() }

    fileprivate func failBeforeStart(_ error: HTTPClientError) { transfer.fail(error) }
}

private let curlSocketCallback: curl_socket_callback = { _, socket, action, clientPointer, socketPointer in
    guard let clientPointer else { return 0 }
    Unmanaged<HTTPClient>.fromOpaque(clientPointer).takeUnretainedValue()
        .curlWantsSocket(socket, action: action, context: socketPointer)
    return 0
}

private let curlTimerCallback: curl_multi_timer_callback = { _, milliseconds, clientPointer in
    guard let clientPointer else { return 0 }
    Unmanaged<HTTPClient>.fromOpaque(clientPointer).takeUnretainedValue().curlWantsTimer(milliseconds)
    return 0
}

private let clientTimerFired: uv_timer_cb = { handle in
    guard let handle else { return }
    uvOwner(of: handle, as: HTTPClient.self).timerFired()
}
