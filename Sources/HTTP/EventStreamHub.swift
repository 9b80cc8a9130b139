import EventLoop

/// Fan-out of server-sent events to every open stream: central's `GET /v1/stream`.
///
/// `subscribe` turns a request into an event stream (replaying what the client missed from a
/// bounded backlog when it sends `Last-Event-ID`); `broadcast` sends an event to every
/// subscriber; a heartbeat comment every `heartbeatInterval` keeps idle streams alive and reveals
/// dead clients. Clients that go away, or fall more than the server's `maxQueuedStreamBytes`
/// behind, are dropped.
package final class EventStreamHub {
    package struct Configuration: Sendable {
        package var heartbeatInterval: Duration = .seconds(15)
        /// Recent events kept for replay to reconnecting clients; 0 keeps none.
        package var backlogCapacity: Int = 1024
        /// Sent to clients as `retry:` (their reconnection delay); nil sends none.
        package var retry: Duration? = .seconds(1)

        package init() {}
    }

    /// What a subscriber got on connecting.
    package enum Replay: Equatable, Sendable {
        /// No Last-Event-ID: the client starts from now.
        case none
        /// That many missed events were sent from the backlog.
        case replayed(Int)
        /// The id is not in the backlog (too old or unknown): the caller must catch the client up
        /// another way (e.g. from the database) or tell it to re-pull.
        case gap
    }

    package let loop: EventLoop
    package let configuration: Configuration
    private var subscribers: [ObjectIdentifier: EventStream] = [:]
    private var backlog: [ServerSentEvent] = []
    private var heartbeat: LoopTimer?
    private var nextAutomaticID: UInt64 = 1
    package private(set) var eventsBroadcast = 0

    package init(loop: EventLoop, configuration: Configuration = Configuration()) {
        loop.assertInLoopThread()
        self.loop = loop
        self.configuration = configuration
        let timer = loop.makeTimer { [weak self] _ in self?.sendHeartbeats() }
        timer.unref()
        timer.start(after: configuration.heartbeatInterval, repeating: configuration.heartbeatInterval)
        heartbeat = timer
    }

    package var subscriberCount: Int { subscribers.count }

    /// Starts an event stream on `responder` and adds it to the hub. `lastEventID` defaults to the
    /// request's `Last-Event-ID` header.
    @discardableResult
    package func subscribe(
        _ responder: HTTPResponder, request: HTTPRequest,
        lastEventID: String? = nil
    ) -> (stream: EventStream, replay: Replay) {
        loop.assertInLoopThread()
        let stream = responder.startEventStream(retry: configuration.retry)
        let key = ObjectIdentifier(stream)
        subscribers[key] = stream
        stream.onClose { [weak self] in self?.subscribers.removeValue(forKey: key) }
        var replay = Replay.none
        if let lastID = lastEventID ?? request.headers["Last-Event-ID"], !lastID.isEmpty {
            if let index = backlog.lastIndex(where: { $0.id == lastID }) {
                let missed = backlog[(index + 1)...]
                missed.forEach { stream.send($0) }
                replay = .replayed(missed.count)
            } else {
                replay = .gap
            }
        }
        // A comment at once so clients see the stream is open before the first event.
        stream.sendComment("open")
        return (stream, replay)
    }

    /// Sends `event` to every subscriber (in subscription order is not promised). An event without
    /// an id gets the next number of the hub's own sequence.
    package func broadcast(_ event: ServerSentEvent) {
        loop.assertInLoopThread()
        var event = event
        if event.id == nil {
            event.id = String(nextAutomaticID)
            nextAutomaticID += 1
        }
        if configuration.backlogCapacity > 0 {
            backlog.append(event)
            if backlog.count > configuration.backlogCapacity {
                backlog.removeFirst(backlog.count - configuration.backlogCapacity)
            }
        }
        eventsBroadcast += 1
        let encoded = event.encoded
        for stream in Array(subscribers.values) { stream.writer.write(encoded) }
    }

    private func sendHeartbeats() {
        for stream in Array(subscribers.values) { stream.sendComment() }
    }

    /// Ends every open stream cleanly; clients reconnect (with Last-Event-ID) and may subscribe again.
    package func endAllStreams() {
        loop.assertInLoopThread()
        for stream in Array(subscribers.values) { stream.close() }
        subscribers.removeAll()
    }

    /// Ends every stream and stops the heartbeat.
    package func close() {
        loop.assertInLoopThread()
        heartbeat?.close()
        heartbeat = nil
        endAllStreams()
    }
}
