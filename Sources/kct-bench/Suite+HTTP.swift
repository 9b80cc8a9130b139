import EventLoop
import Foundation
import HTTP
import Synchronization

/// Small-request throughput and latency of our HTTP server beside nginx, under the same wrk load
/// in the same run, and our client's request rate against our server.
struct HTTPSuite: BenchSuite {
    let name = "http"
    let summary = "HTTP server vs nginx under wrk (keep-alive, several concurrencies); client req/s"

    /// The body both servers return.
    static let body = "hello from kct\n"
    static let concurrencies = [16, 64, 256]

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        var figures: [Figure] = []
        var notes: [String] = []
        let ours = try await BenchServer.start()
        defer { Task { try? await ours.stop() } }

        let wrk = Self.findExecutable("wrk")
        let nginxPath = Self.findExecutable("nginx")
        if wrk == nil {
            notes.append("wrk is not installed: server figures skipped (`make bench` installs it via bench-deps)")
        }
        if nginxPath == nil {
            notes.append("nginx is not installed: no nginx baseline (`make bench` installs it via bench-deps)")
        }

        if let wrk {
            var nginx: NginxProcess?
            if let nginxPath {
                do {
                    nginx = try NginxProcess.start(
                        executable: nginxPath, directory: options.workDirectory, body: Self.body)
                } catch {
                    notes.append("nginx did not start (\(error)); no baseline")
                }
            }
            defer { nginx?.stop() }
            let seconds = max(1, Int((2 * options.scale).rounded()))
            for connections in Self.concurrencies {
                var ourRuns: [WrkResult] = []
                var nginxRuns: [WrkResult] = []
                // Alternate the two servers so drift on the shared machine hits both alike.
                for _ in 0..<options.repetitions {
                    ourRuns.append(try WrkResult.run(wrk, port: ours.port, connections: connections, seconds: seconds))
                    if let nginx {
                        nginxRuns.append(
                            try WrkResult.run(wrk, port: nginx.port, connections: connections, seconds: seconds))
                    }
                }
                let ourRate = Samples(ourRuns.map(\.requestsPerSecond)).median
                let nginxRate = nginxRuns.isEmpty ? nil : Samples(nginxRuns.map(\.requestsPerSecond)).median
                figures.append(
                    Figure(
                        name: "server req/s c=\(connections)", value: ourRate, unit: "req/s",
                        baseline: nginxRate == nil ? nil : "nginx", baselineValue: nginxRate,
                        target: "≥ 0.7× nginx"))
                for (label, keyPath) in [("p50", \WrkResult.p50Milliseconds), ("p99", \WrkResult.p99Milliseconds)] {
                    figures.append(
                        Figure(
                            name: "server \(label) c=\(connections)",
                            value: Samples(ourRuns.map { $0[keyPath: keyPath] }).median,
                            unit: "ms", baseline: nginxRuns.isEmpty ? nil : "nginx",
                            baselineValue: nginxRuns.isEmpty
                                ? nil : Samples(nginxRuns.map { $0[keyPath: keyPath] }).median))
                }
                let ourErrors = ourRuns.map(\.errors).reduce(0, +)
                figures.append(
                    Figure(
                        name: "server errors c=\(connections)", value: Double(ourErrors), unit: "count",
                        baseline: nginxRuns.isEmpty ? nil : "nginx",
                        baselineValue: nginxRuns.isEmpty ? nil : Double(nginxRuns.map(\.errors).reduce(0, +)),
                        target: "0"))
            }
            notes.append(
                "wrk -t1 -c{16,64,256} -d\(seconds)s --latency, keep-alive, \(Self.body.utf8.count)-byte body; "
                    + "medians of \(options.repetitions) alternating runs"
            )
            notes.append(
                "both servers single-threaded: our one event loop vs nginx with worker_processes 1; wrk on the other "
                    + "core"
            )
        }

        let clientRate = try await Self.measureClient(port: ours.port, options: options)
        figures.append(Figure(name: "client req/s (32 in flight)", value: Samples(clientRate).median, unit: "req/s"))
        notes.append(
            "client: our HTTPClient (curl multi on its own loop thread) against our server, keep-alive, 32 requests "
                + "in flight"
        )
        try await ours.stop()
        return SuiteReport(suite: name, figures: figures, notes: notes)
    }

    // MARK: Client

    static func measureClient(port: Int, options: BenchOptions) async throws -> [Double] {
        let thread = try await EventLoopThread.start(name: "bench-client")
        defer { Task { try? await thread.shutdown() } }
        let total = options.count(20_000)
        let url = "http://127.0.0.1:\(port)/hello"
        var rates: [Double] = []
        for _ in 0..<options.repetitions {
            let elapsed: Double = try await thread.loop.submitDeferred { loop, finish in
                let client: HTTPClient
                do { client = try HTTPClient(loop: loop) } catch { return finish(.failure(error)) }
                var started = 0
                var finished = 0
                var failures = 0
                let begin = monotonicSeconds()
                func launch() {
                    started += 1
                    client.send(HTTPClientRequest(url: url)) { result in
                        if case .failure = result { failures += 1 }
                        finished += 1
                        if started < total {
                            launch()
                        } else if finished == total {
                            let seconds = monotonicSeconds() - begin
                            client.close()
                            finish(
                                failures == 0
                                    ? .success(seconds) : .failure(BenchError("\(failures) client requests failed")))
                        }
                    }
                }
                for _ in 0..<min(32, total) { launch() }
            }
            rates.append(Double(total) / elapsed)
        }
        try await thread.shutdown()
        return rates
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Our server on its own loop thread, serving `HTTPSuite.body` at /hello.
final class BenchServer: Sendable {
    let thread: EventLoopThread
    let port: Int

    private init(thread: EventLoopThread, port: Int) {
        self.thread = thread
        self.port = port
    }

    static func start() async throws -> BenchServer {
        let thread = try await EventLoopThread.start(name: "bench-server")
        let port = try await thread.loop.submit { loop in
            var router = HTTPRouter()
            let response = HTTPResponse.text(HTTPSuite.body)
            router.get("/hello") { _, responder in responder.send(response) }
            var configuration = HTTPServer.Configuration()
            configuration.maxConnections = 4096
            return try HTTPServer(loop: loop, configuration: configuration, router: router).port
        }
        return BenchServer(thread: thread, port: port)
    }

    func stop() async throws { try await thread.shutdown(grace: .seconds(1)) }
}

/// nginx with a temporary config: one worker, 127.0.0.1, pid/logs/temp paths in our directory.
final class NginxProcess {
    let process: Process
    let port: Int

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    static func start(executable: String, directory: String, body: String) throws -> NginxProcess {
        let root = "\(directory)/nginx"
        try FileManager.default.createDirectory(atPath: "\(root)/temp", withIntermediateDirectories: true)
        let port = try freePort()
        let escaped = body.replacingOccurrences(of: "\n", with: "\\n")
        let config = """
            daemon off;
            master_process on;
            worker_processes 1;
            pid \(root)/nginx.pid;
            error_log \(root)/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                keepalive_requests 10000000;
                keepalive_timeout 60s;
                client_body_temp_path \(root)/temp/body;
                proxy_temp_path \(root)/temp/proxy;
                fastcgi_temp_path \(root)/temp/fastcgi;
                uwsgi_temp_path \(root)/temp/uwsgi;
                scgi_temp_path \(root)/temp/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    location = /hello { default_type "text/plain; charset=utf-8"; return 200 "\(escaped)"; }
                }
            }
            """
        try config.write(toFile: "\(root)/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-p", root, "-c", "\(root)/nginx.conf", "-e", "\(root)/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let nginx = NginxProcess(process: process, port: port)
        for _ in 0..<200 {
            if canConnect(port: port) { return nginx }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        nginx.stop()
        let log = (try? String(contentsOfFile: "\(root)/error.log", encoding: .utf8)) ?? ""
        throw BenchError("nginx did not accept connections on port \(port): \(log.suffix(300))")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGQUIT)
        process.waitUntilExit()
    }

    /// A port nothing listens on right now (bound then released; nginx binds it next).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                bind(descriptor, sockaddrPointer, length) == 0 && getsockname(descriptor, sockaddrPointer, &length) == 0
            }
        }
        guard bound else { throw BenchError("cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// One wrk run's figures.
struct WrkResult {
    var requestsPerSecond: Double
    var p50Milliseconds: Double
    var p99Milliseconds: Double
    /// Non-2xx responses plus socket errors.
    var errors: Int

    static func run(_ wrk: String, port: Int, connections: Int, seconds: Int) throws -> WrkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency", "http://127.0.0.1:\(port)/hello"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("wrk exited with \(process.terminationStatus): \(output)")
        }
        return try parse(output)
    }

    static func parse(_ output: String) throws -> WrkResult {
        var rate: Double?
        var p50: Double?
        var p99: Double?
        var errors = 0
        for rawLine in output.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), fields.count >= 2 { rate = Double(fields[1]) }
            if line.hasPrefix("50%"), fields.count >= 2 { p50 = milliseconds(fields[1]) }
            if line.hasPrefix("99%"), fields.count >= 2 { p99 = milliseconds(fields[1]) }
            if line.hasPrefix("Non-2xx or 3xx responses:"), let count = fields.last.flatMap({ Int($0) }) {
                errors += count
            }
            if line.hasPrefix("Socket errors:") {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                for (index, field) in fields.enumerated()
                where ["connect", "read", "write", "timeout"].contains(field) && index + 1 < fields.count {
                    errors += Int(fields[index + 1].trimmingCharacters(in: CharacterSet(charactersIn: ","))) ?? 0
                }
            }
        }
        guard let rate, let p50, let p99 else { throw BenchError("cannot read wrk's output: \(output)") }
        return WrkResult(requestsPerSecond: rate, p50Milliseconds: p50, p99Milliseconds: p99, errors: errors)
    }

    /// wrk prints latencies like "612.00us", "1.20ms", "1.01s".
    static func milliseconds(_ text: Substring) -> Double? {
        if text.hasSuffix("us"), let value = Double(text.dropLast(2)) { return value / 1000 }
        if text.hasSuffix("ms"), let value = Double(text.dropLast(2)) { return value }
        if text.hasSuffix("s"), let value = Double(text.dropLast(1)) { return value * 1000 }
        return nil
    }
}
