import EventLoop

/// A server-sent-events stream from a server, kept open: events are parsed as bytes arrive;
/// when the stream ends or fails it reconnects after a backoff, sending `Last-Event-ID` so the
/// server can replay what was missed. Created with `HTTPClient.openEventStream`; stops only when
/// `close()` is called (or the client shuts down).
package final class EventSource {
    package struct Configuration: Sendable {
        /// First reconnection delay (the server's `retry:` replaces it), doubled per failure.
        package var initialBackoff: Duration = .milliseconds(250)
        package var maxBackoff: Duration = .seconds(30)
        /// Random extra delay, as a fraction of the backoff, so many nodes do not reconnect in step.
        package var jitter: Double = 0.2
        /// A stream with no bytes (not even heartbeats) for this long is considered dead.
        package var idleTimeout: Duration = .seconds(45)

        package init() {}
    }

    package enum State: Equatable, Sendable {
        case connecting
        case open
        /// Waiting `delay` before the next attempt; `error` says why the last one ended.
        case waiting(delay: Duration, error: HTTPClientError?)
        case closed
    }

    unowned let client: HTTPClient
    package let url: String
    package let headers: HTTPHeaders
    package let configuration: Configuration
    private let onEvent: (ServerSentEvent) -> Void
    private let onStateChange: (State) -> Void
    private var parser: ServerSentEventParser
    private var task: HTTPClientTask?
    private var retryTimer: LoopTimer?
    private var failures = 0
    /// The reconnection delay the server last asked for (`retry:`), kept across connections.
    private var serverRetry: Duration?
    package private(set) var state: State = .connecting
    /// Connections made so far (1 after the first successful open).
    package private(set) var connectionsOpened = 0

    init(
        client: HTTPClient, url: String, headers: HTTPHeaders, lastEventID: String?, configuration: Configuration,
        onEvent: @escaping (ServerSentEvent) -> Void, onStateChange: @escaping (State) -> Void
    ) {
        self.client = client
        self.url = url
        self.headers = headers
        self.configuration = configuration
        self.onEvent = onEvent
        self.onStateChange = onStateChange
        self.parser = ServerSentEventParser(lastEventID: lastEventID)
    }

    /// The id of the last event received (or given at start); sent as `Last-Event-ID`.
    package var lastEventID: String? { parser.lastEventID }

    func connect() {
        guard state != .closed else { return }
        setState(.connecting)
        var requestHeaders = headers
        requestHeaders.set("Accept", "text/event-stream")
        requestHeaders.set("Cache-Control", "no-cache")
        if let lastEventID = parser.lastEventID { requestHeaders.set("Last-Event-ID", lastEventID) }
        // A fresh parser per connection (a half-received event must not merge with the next
        // connection's bytes), keeping the last id.
        parser = ServerSentEventParser(lastEventID: parser.lastEventID)
        let transfer = CurlTransfer(
            client: client, url: url, acceptedStatuses: 200..<300, maxBytes: .max,
            mode: .streaming(
                onHead: { [weak self] status, headers in self?.opened(status: status, headers: headers) ?? false },
                onData: { [weak self] bytes in self?.received(bytes) ?? false },
                onEnd: { [weak self] error in self?.ended(error) }))
        let task = HTTPClientTask(transfer: transfer)
        self.task = task
        if let error = client.start(
            transfer, method: .get, headers: requestHeaders, body: nil, timeout: nil,
            lowSpeedLimit: configuration.idleTimeout)
        {
            client.loop.schedule(after: .zero) { [weak self] in self?.ended(error) }
        }
    }

    private func opened(status: HTTPStatus, headers: HTTPHeaders) -> Bool {
        guard status == .ok, headers["Content-Type"]?.lowercased().hasPrefix("text/event-stream") == true else {
            pendingError = HTTPClientError(
                kind: .httpStatus, url: url,
                message:
                    "expected 200 text/event-stream, got \(status) "
                    + "\(headers["Content-Type"] ?? "without a content type")",
                status: status, headers: headers)
            return false
        }
        failures = 0
        connectionsOpened += 1
        setState(.open)
        return true
    }

    /// Why the current attempt is being aborted from inside a callback.
    private var pendingError: HTTPClientError?

    private func received(_ bytes: [UInt8]) -> Bool {
        guard state == .open else { return false }
        let events = parser.feed(bytes)
        if let retry = parser.retry { serverRetry = retry }
        for event in events {
            onEvent(event)
            if state == .closed { return false }
        }
        return true
    }

    private func ended(_ error: HTTPClientError?) {
        task = nil
        guard state != .closed else { return }
        let reason = pendingError ?? error
        pendingError = nil
        failures += 1
        let base = serverRetry ?? configuration.initialBackoff
        var delay = base * Int(1 << min(failures - 1, 16))
        if delay > configuration.maxBackoff { delay = configuration.maxBackoff }
        if configuration.jitter > 0 {
            delay += delay * Double.random(in: 0...configuration.jitter)
        }
        setState(.waiting(delay: delay, error: reason))
        retryTimer?.close()
        retryTimer = client.loop.schedule(after: delay) { [weak self] in
            self?.retryTimer = nil
            self?.connect()
        }
    }

    private func setState(_ newState: State) {
        guard state != newState else { return }
        state = newState
        onStateChange(newState)
    }

    /// Stops the stream for good; no more events or reconnects.
    package func close() {
        client.loop.assertInLoopThread()
        guard state != .closed else { return }
        setState(.closed)
        retryTimer?.close()
        retryTimer = nil
        task?.cancel()
        task = nil
        client.eventSources.removeValue(forKey: ObjectIdentifier(self))
    }
}

extension HTTPClient {
    /// Opens a server-sent-events stream that reconnects (with `Last-Event-ID` and backoff) until
    /// closed. `onEvent` and `onStateChange` run on the loop thread.
    package func openEventStream(
        url: String, headers: HTTPHeaders = [:], lastEventID: String? = nil,
        configuration: EventSource.Configuration = .init(),
        onStateChange: @escaping (EventSource.State) -> Void = { _ in },
        onEvent: @escaping (ServerSentEvent) -> Void
    ) -> EventSource {
        loop.assertInLoopThread()
        let source = EventSource(
            client: self, url: url, headers: headers, lastEventID: lastEventID,
            configuration: configuration, onEvent: onEvent, onStateChange: onStateChange)
        eventSources[ObjectIdentifier(source)] = source
        if isClosed {
            source.close()
        } else {
            source.connect()
        }
        return source
    }
}
