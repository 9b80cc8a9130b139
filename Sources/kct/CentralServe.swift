import ArgumentParser
import Central
import Foundation
import Integrations

struct CentralServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the sync protocol until SIGINT or SIGTERM.",
        discussion: """
            Prints `central listening on http://HOST:PORT` once ready (port 0 picks a free port). Every /v1 \
            endpoint needs a node's bearer token and is rate-limited per token (429 with Retry-After). \
            /healthz and /metrics need no token and answer only to loopback peers (127.0.0.1, ::1) unless \
            --public-metrics is given. Stripe, EasyPost and SendGrid are configured by --integrations FILE \
            (mode 0600: it holds secrets) or, without it, by KCT_STRIPE_SECRET_KEY and the other \
            variables of README "Integrations"; a provider left out is reported as not configured.
            """)

    @OptionGroup var database: CentralDatabaseOption

    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8700"

    @Option(help: ArgumentHelp("Requests per second each node token may make, sustained.", valueName: "n"))
    var rateLimit: Double = CentralServeOptions.defaultRateLimitPerSecond

    @Option(help: ArgumentHelp("Requests a node token may make at once after being idle.", valueName: "n"))
    var rateBurst: Double = CentralServeOptions.defaultRateLimitBurst

    @Flag(help: "Answer /healthz and /metrics to any peer, not only to loopback ones (they need no token).")
    var publicMetrics = false

    @Option(
        help: ArgumentHelp(
            "Provider credentials (KEY=value lines or JSON; only its owner may read it: chmod 600). "
                + "Without it, central reads them from its environment.",
            valueName: "file"))
    var integrations: String?

    @Option(
        name: .customLong("compact-keep-days"),
        help: ArgumentHelp("Compact the log hourly, keeping the entries stamped within this many days.", valueName: "n")
    )
    var compactKeepDays: Int?

    @Option(
        name: .customLong("compact-keep-versions"),
        help: ArgumentHelp("Compact the log hourly, keeping the last this many versions.", valueName: "n"))
    var compactKeepVersions: Int64?

    func validate() throws {
        try CompactionWindow.check(days: compactKeepDays, versions: compactKeepVersions, required: false)
        _ = try Self.parse(listen)
        guard rateLimit > 0, rateLimit.isFinite else {
            throw ValidationError("--rate-limit must be a positive number of requests per second")
        }
        guard rateBurst >= 1, rateBurst.isFinite else { throw ValidationError("--rate-burst must be at least 1") }
    }

    /// `127.0.0.1:8700` or `[::1]:8700`.
    static func parse(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535, got '\(address)'")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen needs a host, e.g. 127.0.0.1:\(port)") }
        return (host, port)
    }

    /// The providers' configuration: the file, else the environment.
    func integrationsConfiguration() throws -> IntegrationsConfiguration {
        do {
            if let integrations { return try IntegrationsConfiguration(contentsOfFile: integrations) }
            return try IntegrationsConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIError("refusing to serve: \(error)")
        }
    }

    func run() throws {
        let (host, port) = try Self.parse(listen)
        let integrations = try integrationsConfiguration()
        let configured = IntegrationProvider.allCases.map { provider in
            switch provider {
            case .stripe: integrations.stripe.map { "Stripe at \($0.baseURL)" } ?? "Stripe not configured"
            case .easyPost: integrations.easyPost.map { "EasyPost at \($0.baseURL)" } ?? "EasyPost not configured"
            case .sendGrid: integrations.sendGrid.map { "SendGrid at \($0.baseURL)" } ?? "SendGrid not configured"
            }
        }
        Output.note("integrations: " + configured.joined(separator: "; "))
        do {
            var options = CentralServeOptions(
                rateLimitPerSecond: rateLimit, rateLimitBurst: rateBurst, publicMetrics: publicMetrics,
                integrations: integrations)
            options.compaction = CompactionWindow.policy(days: compactKeepDays, versions: compactKeepVersions)
            try CentralService.serve(location: database.location, host: host, port: port, options: options) { bound in
                let shown = host.contains(":") ? "[\(host)]" : host
                // The line is how scripts and tests learn the port: written straight to the file
                // descriptor, never left in a stdio buffer.
                FileHandle.standardOutput.write(Data("central listening on http://\(shown):\(bound)\n".utf8))
            }
        } catch let error as CentralError {
            throw error
        } catch {
            throw CLIError("cannot serve \(database.location) on \(listen): \(error)", exitCode: ExitCodes.storage)
        }
    }
}
