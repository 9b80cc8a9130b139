import EventLoop
import Foundation
import HTTP
import OrderDomain
import Store
import SyncCore
import Synchronization
import TestSupport

@testable import Node

/// A workstation under test: a replica in a temporary directory and a `NodeDaemon` on its own
/// loop thread. Tests wait on the daemon's own events (a sync cycle finished), never on sleeps.
final class TestNode: Sendable, Stoppable {
    let directory: String
    let store: OrderStore
    let thread: EventLoopThread
    let daemon: LoopBound<NodeDaemon>
    let events: DaemonEvents

    var loop: EventLoop { thread.loop }

    /// Creates the replica (registered with `central` and joined to it, when given) and starts
    /// the daemon.
    static func start(
        name: String, central: CentralHandle? = nil,
        configure: (inout NodeDaemon.Configuration) -> Void = { _ in }
    ) async throws -> TestNode {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kct-node-\(name)-\(UUID().uuidString)"
        ).path
        let store = try OrderStore.create(directory: directory, name: name, shopCode: "S01")
        if let central {
            let token = "kct_test_\(name)"
            let nodeID = store.identity.nodeID
            try await central.with { $0.tokens[token] = nodeID }
            try store.setSyncSettings(SyncSettings(centralURL: try await central.url, token: token))
        }
        var configuration = NodeDaemon.Configuration()
        configuration.listenPort = 0
        configuration.sync.backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(400), jitter: 0.2)
        configuration.sync.stream.initialBackoff = .milliseconds(50)
        configuration.sync.stream.maxBackoff = .milliseconds(400)
        configure(&configuration)
        let chosen = configuration
        let events = DaemonEvents()
        let thread = try await EventLoopThread.start(name: "node-\(name)")
        let daemon: LoopBound<NodeDaemon> = try await thread.loop.submitDeferred { loop, finish in
            NodeDaemon.launch(loop: loop, store: store, configuration: chosen) { result in
                finish(
                    result.map { daemon in
                        daemon.engine?.onCycleFinished = { events.record(.cycle(succeeded: (try? $0.get()) != nil)) }
                        return LoopBound(daemon, loop: loop)
                    })
            }
        }
        return TestNode(directory: directory, store: store, thread: thread, daemon: daemon, events: events)
    }

    private init(
        directory: String, store: OrderStore, thread: EventLoopThread, daemon: LoopBound<NodeDaemon>,
        events: DaemonEvents
    ) {
        self.directory = directory
        self.store = store
        self.thread = thread
        self.daemon = daemon
        self.events = events
    }

    /// Reads something from the daemon on its loop thread.
    func read<Value: Sendable>(_ body: @escaping @Sendable (NodeDaemon) -> Value) async throws -> Value {
        let daemon = self.daemon
        return try await loop.submit { _ in body(daemon.value) }
    }

    var apiURL: String {
        get async throws { "http://127.0.0.1:\(try await read { $0.port })" }
    }

    /// Waits until `condition` holds, re-checking after each sync cycle the daemon finishes.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(30),
        _ condition: @escaping @Sendable (TestNode) async throws -> Bool
    ) async throws {
        try await events.waitUntil(what, timeout: timeout) { try await condition(self) }
    }

    /// The daemon's phase, failed and completed cycles.
    var engineState: (phase: SyncEngine.Phase, completed: Int, failed: Int, lastError: String?) {
        get async throws {
            try await read { daemon in
                let engine = daemon.engine!
                return (engine.phase, engine.completedCycles, engine.failedCycles, engine.lastError?.description)
            }
        }
    }

    /// As SIGTERM does: a graceful loop shutdown; returns once the loop closed every handle.
    func stop() async throws {
        try await thread.shutdown(grace: .seconds(10))
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// What the daemon did, for tests to wait on: each event wakes the waiters, which re-check
/// their condition.
final class DaemonEvents: Sendable {
    enum Event: Sendable { case cycle(succeeded: Bool) }

    private let events = Mutex<[Event]>([])
    private let wakeups = Wakeups()

    func record(_ event: Event) {
        events.withLock { $0.append(event) }
        wakeups.wake()
    }

    var all: [Event] { events.withLock { $0 } }

    func waitUntil(_ what: String, timeout: Duration, _ condition: @escaping @Sendable () async throws -> Bool)
        async throws
    {
        try await wakeups.waitUntil(what, timeout: timeout, condition)
    }
}

/// A suit and a customer: enough for a valid order.
func sampleDraft(customer: String = "Jane Doe") -> OrderDraft {
    OrderDraft(
        customer: Customer(name: customer, email: "jane@example.com"),
        items: [
            ItemDraft(
                productName: "Navy Suit", size: "40R", quantity: 1, unitPrice: Money(minorUnits: 89_900, currency: .usd)
            )
        ])
}
