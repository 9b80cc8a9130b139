import Foundation
import LocalPostgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server started by the process that needs it (issue 14): Debian's
/// `postgresql` binaries, a cluster made by `initdb` in a fresh temporary directory, listening on
/// 127.0.0.1 on a free port and on a unix socket in that directory. The tests share one per test
/// process (`shared()`, started on first use), each test taking a brand-new empty database of its
/// own (`createDatabase()`); `kct-bench postgres` starts one of its own with durable settings
/// (`start(durability: .durable)`) and stops it when done.
///
/// PostgreSQL refuses to run as root, and the tests run as root in CI: then the cluster's
/// directory is given to the `postgres` user (which Debian's package creates) and `initdb` and
/// `postgres` run as that user through `runuser`; otherwise as the current user. Either
/// way the superuser is named `postgres` and every local connection is trusted (`-A trust`).
/// The cluster uses the C locale (text sorts by code point, as SQLite's BINARY collation does).
///
/// Stopping: `stop()` shuts the server down (fast shutdown) and deletes the directory. At the
/// process's normal exit an `atexit` handler shuts every server still running down at once
/// (SIGQUIT to the postmaster). A watcher started with each server (a shell in a session of its
/// own, holding no pipe of ours) polls this process every second and, once it is gone however it
/// ended (a crash, kill -9, Ctrl-C), stops the server if still running and deletes the
/// directory. So no cluster outlives its process by more than a second or two.
package final class PostgresServer: Sendable {
    package enum Failure: Error, CustomStringConvertible {
        /// Debian's `postgresql` package (server) is not installed.
        case binariesMissing(searched: String)
        /// Running as root without the `postgres` user to run the server as.
        case noUnprivilegedUser
        case commandFailed(command: String, status: Int32, output: String)

        package var description: String {
            switch self {
            case .binariesMissing(let searched):
                "PostgreSQL's server binaries (initdb, pg_ctl, postgres, psql, pg_dump) were not found in \(searched):"
                    + " install Debian's `postgresql` package (`make test` does: apt-get install postgresql),"
                    + " or set KCT_POSTGRES_BIN to a directory holding them"
            case .noUnprivilegedUser:
                "PostgreSQL does not run as root and there is no `postgres` user to run it as"
                    + " (Debian's `postgresql` package creates it)"
            case .commandFailed(let command, let status, let output):
                "`\(command)` failed (exit status \(status)):\n\(output)"
            }
        }
    }

    /// What a commit promises.
    package enum Durability: Sendable {
        /// fsync, synchronous_commit and full_page_writes off: for a cluster thrown away with its
        /// directory (the tests).
        case throwaway
        /// PostgreSQL's defaults, said explicitly: fsync on, synchronous_commit on,
        /// full_page_writes on; a commit is on disk when it returns (measurements).
        case durable

        var settings: [String: String] {
            let value = self == .durable ? "on" : "off"
            return ["fsync": value, "synchronous_commit": value, "full_page_writes": value]
        }
    }

    /// The TCP port on 127.0.0.1 (the unix socket in `directory` has the same number).
    package let port: Int
    /// The cluster's temporary directory: `data/` (the cluster), `server.log`, the socket.
    package let directory: String
    /// Where initdb, pg_ctl, psql, pg_dump (and pgbench, when installed) are taken from.
    package let binDirectory: String
    /// The postmaster's process id.
    package let postmasterID: pid_t
    private let databaseCount = Mutex(0)

    private init(port: Int, directory: String, binDirectory: String, postmasterID: pid_t) {
        self.port = port
        self.directory = directory
        self.binDirectory = binDirectory
        self.postmasterID = postmasterID
    }

    /// The throwaway server of this test process, started by the first call (which waits for it:
    /// about 1–2 s); a failure to start is the answer of every call.
    package static func shared() throws -> PostgresServer { try sharedServer.get() }

    // A static let is initialised once, on first use, under a lock (swift_once).
    /// Test suites run in parallel and every central store, serve process, listener and effects
    /// runner holds connections of its own: PostgreSQL's default of 100 was once exhausted
    /// ("too many clients already") by a full `make test`.
    private static let sharedServer = Result {
        try PostgresServer.start(durability: .throwaway, settings: ["max_connections": "500"])
    }

    /// Postmasters still running, for the `atexit` handler.
    private static let running = Mutex<Set<pid_t>>([])
    private static let exitHandlerInstalled = Mutex(false)

    /// A URL of a brand-new empty database of this server (a unique name per call), as the
    /// superuser `postgres` over TCP: `postgres://postgres@127.0.0.1:PORT/kct_N`.
    package func createDatabase() throws -> String {
        let name = databaseCount.withLock { count in
            count += 1
            return "kct_\(count)"
        }
        _ = try psql(url(database: "postgres"), "CREATE DATABASE \(name)")
        return url(database: name)
    }

    package func url(database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

    /// Runs `sql` (any number of statements, as a script file) with
    /// `psql -X -q -v ON_ERROR_STOP=1 -At`: the first error stops it and is thrown
    /// (`Failure.commandFailed`, psql's error text in `output`). Returns what the statements
    /// printed: one line per row, columns separated by `|`, no headers or command tags,
    /// without the last newline. Statements run in autocommit unless the script says BEGIN.
    @discardableResult
    package func psql(_ url: String, _ sql: String) throws -> String {
        // A file rather than psql's stdin: a script psql stops reading early cannot SIGPIPE us.
        let script = directory + "/script-\(UUID().uuidString).sql"
        try Data(sql.utf8).write(to: URL(fileURLWithPath: script))
        defer { try? FileManager.default.removeItem(atPath: script) }
        let output = try tool("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", url, "-f", script])
        return output.hasSuffix("\n") ? String(output.dropLast()) : output
    }

    /// The schema of the database at `url` as `pg_dump --schema-only` writes it (no owners,
    /// privileges or tablespaces), without its comments, `SET` lines and `\restrict` guards:
    /// the statements only, one blank line between them. Still runnable by `psql`.
    package func dumpSchema(_ url: String, excludingTables excluded: [String] = []) throws -> String {
        let dump = try tool(
            "pg_dump",
            ["--schema-only", "--no-owner", "--no-privileges", "--no-tablespaces", "--no-comments", "-d", url]
                + excluded.flatMap { ["-T", $0] })
        var lines: [Substring] = []
        for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("--") || line.hasPrefix("SET ") || line.hasPrefix("SELECT pg_catalog.set_config(")
                || line.hasPrefix("\\restrict") || line.hasPrefix("\\unrestrict")
            {
                continue
            }
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Runs one of the server's client tools (`psql`, `pg_dump`, `pgbench`…) from `binDirectory`
    /// as the current user to its end; its stdout, or `Failure.commandFailed` with its output.
    @discardableResult
    package func tool(_ name: String, _ arguments: [String]) throws -> String {
        try Self.run(binDirectory + "/" + name, arguments, in: directory)
    }

    /// Shuts the server down (fast shutdown: sessions are ended, nothing is lost), waits for the
    /// postmaster to exit (up to 60 s), and deletes the directory. Idempotent.
    package func stop() {
        let wasRunning = Self.running.withLock { $0.remove(postmasterID) != nil }
        guard wasRunning else { return }
        kill(postmasterID, SIGINT)
        let deadline = Date().addingTimeInterval(60)
        while kill(postmasterID, 0) == 0 && Date() < deadline { usleep(20_000) }
        if kill(postmasterID, 0) == 0 {
            kill(postmasterID, SIGQUIT)
            usleep(200_000)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Starting

    /// Starts a server of its own for the caller (about 1–3 s), with `durability` and any further
    /// `settings` appended to postgresql.conf (a value is written as given: quote strings).
    package static func start(durability: Durability, settings: [String: String] = [:]) throws -> PostgresServer {
        let binDirectory = try findBinaries()
        let asRoot = geteuid() == 0
        var owner: passwd?
        if asRoot {
            guard let entry = getpwnam("postgres") else { throw Failure.noUnprivilegedUser }
            owner = entry.pointee
        }
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("kct-postgres-XXXXXX").path
        var buffer = Array(template.utf8CString)
        guard mkdtemp(&buffer) != nil else {
            throw Failure.commandFailed(
                command: "mkdtemp \(template)", status: errno, output: String(cString: strerror(errno)))
        }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let owner {
            // The server's user must own its directory; root keeps access anyway.
            guard chown(directory, owner.pw_uid, owner.pw_gid) == 0 else {
                throw Failure.commandFailed(
                    command: "chown postgres \(directory)", status: errno, output: String(cString: strerror(errno)))
            }
        }
        let runAs = asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        func asServerUser(_ tool: String, _ arguments: [String]) throws {
            let command = runAs + [binDirectory + "/" + tool] + arguments
            try run(command[0], Array(command.dropFirst()), in: directory)
        }
        let data = directory + "/data"
        do {
            try asServerUser(
                "initdb",
                ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"]
                    + (durability == .throwaway ? ["--no-sync"] : []))
            let lines = durability.settings.merging(settings) { $1 }.sorted { $0.key < $1.key }
                .map { "\($0.key) = \($0.value)" }
            let configuration = """

                # Started by PostgresServer (Tests/LocalPostgres).
                listen_addresses = '127.0.0.1'
                unix_socket_directories = '\(directory)'
                \(lines.joined(separator: "\n"))

                """
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/postgresql.conf"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(configuration.utf8))
            try handle.close()
            let logPath = directory + "/server.log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            if let owner { chown(logPath, owner.pw_uid, owner.pw_gid) }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            // A free port is found by binding port 0; another process may take it before the
            // server binds it, so a start that failed for that is retried on a new port.
            var attempt = 0
            while true {
                attempt += 1
                let port = try freePort()
                // The postmaster runs as a child of ours (or of runuser's) rather than daemonised by
                // `pg_ctl start`: Foundation's Process waits, after its child exits, for a socket that
                // every descendant inherits, so it would wait for pg_ctl as long as the server ran.
                let server = Process()
                let command = runAs + [binDirectory + "/postgres", "-D", data, "-p", String(port)]
                server.executableURL = URL(fileURLWithPath: command[0])
                server.arguments = Array(command.dropFirst())
                server.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
                server.currentDirectoryURL = URL(fileURLWithPath: directory)
                server.standardInput = FileHandle.nullDevice
                server.standardOutput = log
                server.standardError = log
                try server.run()
                // Ready when postmaster.pid's status line says so, which is what `pg_ctl -w` waits for.
                let deadline = Date().addingTimeInterval(60)
                var postmasterID: pid_t?
                while postmasterID == nil && server.isRunning && Date() < deadline {
                    let lines = ((try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)) ?? "")
                        .split(separator: "\n", omittingEmptySubsequences: false)
                    if lines.count > 7 && lines[7].trimmingCharacters(in: .whitespaces) == "ready" {
                        postmasterID = pid_t(lines[0])
                    } else {
                        usleep(20_000)
                    }
                }
                guard let postmasterID else {
                    if server.isRunning { server.terminate() }
                    let written = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                    if attempt < 5 && written.contains("could not bind") { continue }
                    throw Failure.commandFailed(
                        command: command.joined(separator: " "), status: -1,
                        output: "the server did not start within 60 s; server.log:\n\(written)")
                }
                running.withLock { _ = $0.insert(postmasterID) }
                exitHandlerInstalled.withLock { installed in
                    if !installed { atexit { PostgresServer.stopAtExit() } }
                    installed = true
                }
                try startWatcher(runAs: runAs, pgCtl: binDirectory + "/pg_ctl", data: data, directory: directory)
                return PostgresServer(
                    port: port, directory: directory, binDirectory: binDirectory, postmasterID: postmasterID)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// KCT_POSTGRES_BIN, else the newest `/usr/lib/postgresql/VERSION/bin` (Debian's layout).
    private static func findBinaries() throws -> String {
        let tools = ["initdb", "pg_ctl", "postgres", "psql", "pg_dump"]
        func complete(_ directory: String) -> Bool {
            tools.allSatisfy { FileManager.default.isExecutableFile(atPath: directory + "/" + $0) }
        }
        if let chosen = ProcessInfo.processInfo.environment["KCT_POSTGRES_BIN"] {
            guard complete(chosen) else { throw Failure.binariesMissing(searched: chosen) }
            return chosen
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
        for version in versions.sorted(by: >) where complete("\(root)/\(version)/bin") {
            return "\(root)/\(version)/bin"
        }
        throw Failure.binariesMissing(searched: "\(root)/*/bin")
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure.commandFailed(command: "socket", status: errno, output: "") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw Failure.commandFailed(command: "bind 127.0.0.1:0", status: errno, output: "") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// See the type's comment, "Stopping". The watcher also ends once `stop()` has deleted the
    /// cluster's directory.
    private static func startWatcher(runAs: [String], pgCtl: String, data: String, directory: String) throws {
        let script = """
            while kill -0 "$1" 2>/dev/null && [ -d "$DATA" ]; do sleep 1; done
            shift
            [ -d "$DATA" ] && "$@" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
            rm -rf "$DIRECTORY"
            """
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        watcher.arguments = ["/bin/sh", "-c", script, "kct-postgres-watcher", String(getpid())] + runAs + [pgCtl]
        watcher.environment = ["PATH": "/usr/bin:/bin", "DATA": data, "DIRECTORY": directory]
        watcher.currentDirectoryURL = URL(fileURLWithPath: "/")
        watcher.standardInput = FileHandle.nullDevice
        watcher.standardOutput = FileHandle.nullDevice
        watcher.standardError = FileHandle.nullDevice
        try watcher.run()
    }

    private static func stopAtExit() {
        for pid in running.withLock({ $0 }) { kill(pid, SIGQUIT) }
    }

    // MARK: Running the tools

    /// Runs a tool to its end with stdout and stderr written to files in `directory` (no pipe can
    /// fill and block it, nor be read short); returns stdout, or throws with stderr and stdout.
    /// The environment has no PG* variables: only the arguments say where to connect.
    @discardableResult
    private static func run(_ executable: String, _ arguments: [String], in directory: String) throws -> String {
        let base = directory + "/tool-\(UUID().uuidString)"
        let outputPath = base + ".out", errorPath = base + ".err"
        for path in [outputPath, errorPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        // The server's user may not be allowed into our working directory.
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            try? output.close()
            try? errors.close()
            throw error
        }
        try output.close()
        try errors.close()
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let errorText = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw Failure.commandFailed(
                command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus,
                output: errorText + text)
        }
        return text
    }
}
