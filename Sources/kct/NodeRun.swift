import ArgumentParser
import EventLoop
import Foundation
import Node
import Store

struct NodeRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve the local JSON API and keep the replica in sync with central until SIGTERM/SIGINT.",
        discussion: """
            Prints `node listening on http://HOST:PORT` once ready. Edits (through the API or by \
            `kct` in another process) are pushed shortly after they are made; changes from other \
            workstations arrive through central's stream. While central is unreachable edits queue \
            in the outbox and the daemon retries with backoff. The API asks for a signed-in \
            session (POST /api/session) and speaks plain HTTP, so it listens on loopback only: \
            passwords and session tokens never cross the network. Exits 0 after a clean shutdown.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Loopback address and port for the local API (port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:8701"

    @Option(
        help: ArgumentHelp(
            "Seconds to wait for central to answer a request before giving up and retrying with backoff.",
            valueName: "seconds"))
    var requestTimeout = 30

    @Option(
        help: ArgumentHelp(
            "Least seconds between two automatic checksum verifications against central, each of a sixteenth "
                + "of the buckets (after a sync that caught up; the first one after start verifies at once); 0 "
                + "never verifies automatically.",
            valueName: "seconds"))
    var verifyInterval = 300

    @Option(
        help: ArgumentHelp(
            "Seconds without work (sync cycles, edits, API requests) after which the daemon gives memory back: "
                + "SQLite's caches, malloc's free memory, the code pages it ran; 0 never does.",
            valueName: "seconds"))
    var idleRelease = 2

    func validate() throws {
        _ = try ListenAddress(listen)
        guard (1...3600).contains(requestTimeout) else {
            throw ValidationError("--request-timeout must be 1 to 3600 seconds, not \(requestTimeout)")
        }
        guard verifyInterval >= 0 else {
            throw ValidationError("--verify-interval must be 0 (never) or more seconds, not \(verifyInterval)")
        }
        guard idleRelease >= 0 else {
            throw ValidationError("--idle-release must be 0 (never) or more seconds, not \(idleRelease)")
        }
    }

    func run() throws {
        let address = try ListenAddress(listen)
        let store = try global.openStore()
        let loop = try EventLoop(configuration: .init(lagSampleInterval: .seconds(1)))
        try loop.shutdownOnSignals()
        var configuration = NodeDaemon.Configuration()
        configuration.listenHost = address.host
        configuration.listenPort = address.port
        configuration.sync.requestTimeout = .seconds(requestTimeout)
        configuration.verifyInterval = verifyInterval == 0 ? nil : .seconds(verifyInterval)
        configuration.idleMemoryRelease = idleRelease == 0 ? nil : .seconds(idleRelease)
        var startFailure: (any Error)?
        NodeDaemon.launch(loop: loop, store: store, configuration: configuration) { result in
            switch result {
            case .success(let daemon):
                print("node listening on http://\(address.urlHost):\(daemon.port)")
                fflush(nil) // flushes stdout: whoever waits for this line must see it now
            case .failure(let error):
                startFailure = error
                loop.shutdown()
            }
        }
        try loop.run()
        if let startFailure {
            if let error = startFailure as? StoreError { throw error }
            throw CLIError("cannot start the node: \(startFailure)", exitCode: ExitCodes.storage)
        }
    }
}

/// `--listen host:port`, loopback only (the API speaks plain HTTP: passwords and session
/// tokens must not cross the network).
struct ListenAddress {
    var host: String
    var port: Int

    init(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("--listen must be host:port, e.g. 127.0.0.1:8701")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { host = "127.0.0.1" }
        guard host == "::1" || host.hasPrefix("127.") else {
            throw ValidationError(
                "--listen must be a loopback address (127.0.0.1 or ::1): the local API speaks plain HTTP, and "
                    + "passwords and session tokens must not cross the network"
            )
        }
        self.host = host
        self.port = port
    }

    var urlHost: String { host.contains(":") ? "[\(host)]" : host }
}
