import EventLoop
import Foundation
import HTTP

/// An idle `kct node run` as deployed (the `kct` binary beside kct-bench), in more detail than the
/// sync suite's one figure: its resident memory split into anonymous and file-backed pages (the
/// binary's and shared libraries' pages), its CPU time while idle, how long it takes to start,
/// and the size of the binary. Compare two builds by putting this kct-bench beside each `kct`.
struct IdleDaemonSuite: BenchSuite {
    let name = "idle-daemon"
    let summary =
        "an idle `kct node run` after edits arrived through central: RSS (anonymous, file-backed), CPU, "
        + "start-up time; real kct processes"

    static let edits = 50
    static let idleSeconds = 5.0
    static let helpRuns = 10
    static let warmEdits = 5

    func run(_ options: BenchOptions) async throws -> SuiteReport {
        let root = try KCTBinary.workDirectory(options, suite: "idle-daemon")
        let thread = try await EventLoopThread.start(name: "bench-idle-client")
        defer { Task { try? await thread.shutdown() } }
        let client = try await thread.loop.submit { loop in LoopBound(try HTTPClient(loop: loop), loop: loop) }

        var resident = Samples(), anonymous = Samples(), fileBacked = Samples(), cpu = Samples()
        var startup = Samples(), firstEdit = Samples(), warmEdit = Samples()
        for repetition in 0..<options.repetitions {
            let idle = try await Self.measureIdle(
                edits: options.count(Self.edits), directory: root + "/run-\(repetition)", client: client)
            resident.append(Double(idle.usage.residentKiB) / 1024)
            anonymous.append(Double(idle.usage.anonymousKiB) / 1024)
            fileBacked.append(Double(idle.usage.fileKiB) / 1024)
            cpu.append(idle.cpuPercent)
            startup.append(idle.startupSeconds * 1000)
            firstEdit.append(idle.firstEditMilliseconds)
            warmEdit.append(idle.warmEditMilliseconds)
        }
        var help = Samples()
        for _ in 0..<Self.helpRuns {
            let started = monotonicSeconds()
            try KCTBinary.run(["--help"])
            help.append((monotonicSeconds() - started) * 1000)
        }
        let binaryBytes = (try FileManager.default.attributesOfItem(atPath: KCTBinary.path)[.size] as? Int) ?? 0
        return SuiteReport(
            suite: name,
            figures: [
                Figure(name: "idle node daemon RSS", value: resident.median, unit: "MiB", target: "< 20 MiB"),
                Figure(name: "idle node daemon RSS, anonymous", value: anonymous.median, unit: "MiB"),
                Figure(name: "idle node daemon RSS, file-backed", value: fileBacked.median, unit: "MiB"),
                Figure(name: "idle node daemon CPU", value: cpu.median, unit: "% of a core", target: "~0%"),
                Figure(
                    name: "first API edit after the idle window", value: firstEdit.median, unit: "ms",
                    baseline: "the edits right after it (median of \(Self.warmEdits))",
                    baselineValue: warmEdit.median),
                Figure(name: "node daemon start-up (launch to listening)", value: startup.median, unit: "ms"),
                Figure(name: "`kct --help` wall time", value: help.median, unit: "ms"),
                Figure(name: "kct binary size", value: Double(binaryBytes) / 1_048_576, unit: "MiB"),
            ],
            notes: [
                "central and two `kct node run` daemons (A, B); \(options.count(Self.edits)) edits of one order "
                    + "through A's local API, 20 ms apart, until B has the last; then B idle for "
                    + "\(Int(Self.idleSeconds)) s, its stream to central open. VmRSS, RssAnon and RssFile from "
                    + "/proc/PID/status at the end, CPU from utime+stime over the idle window; start-up is B's, "
                    + "from launch to its `node listening` line; then one edit through B's local API (PATCH "
                    + "round trip) and \(Self.warmEdits) more, 20 ms apart; medians of \(options.repetitions) runs "
                    + "(`--help`: \(Self.helpRuns))"
            ])
    }

    struct IdleResult {
        var usage: ProcessUsage
        var cpuPercent: Double
        var startupSeconds: Double
        var firstEditMilliseconds: Double
        var warmEditMilliseconds: Double
    }

    static func measureIdle(edits: Int, directory: String, client: LoopBound<HTTPClient>) async throws -> IdleResult {
        let (central, tokens) = try SyncSuite.startCentral(directory: directory, nodes: ["A", "B"])
        defer { central.stop() }
        let environmentA = try SyncSuite.makeNode(
            "A", directory: directory, centralURL: central.url, token: tokens["A"]!, orders: 1)
        let environmentB = try SyncSuite.makeNode(
            "B", directory: directory, centralURL: central.url, token: tokens["B"]!, orders: 0)
        let a = try SyncSuite.startDaemon("A", environment: environmentA, directory: directory)
        defer { a.stop() }
        let launched = monotonicSeconds()
        let b = try SyncSuite.startDaemon("B", environment: environmentB, directory: directory)
        let startupSeconds = monotonicSeconds() - launched
        defer { b.stop() }
        let sessionA = try await SyncSuite.apiSession(a.url, client: client)
        let sessionB = try await SyncSuite.apiSession(b.url, client: client)
        let order = "S01-A-000001"
        /// One PATCH of the order's notes through a daemon's local API; its round trip in ms.
        func edit(_ url: String, session: HTTPHeaders, notes: String) async throws -> Double {
            var headers = session
            headers.set("Content-Type", "application/json")
            let started = monotonicSeconds()
            _ = try await client.response(
                for: HTTPClientRequest(
                    method: .patch, url: url + "/api/orders/" + order, headers: headers,
                    body: Array(#"{"notes": "\#(notes)"}"#.utf8)))
            return (monotonicSeconds() - started) * 1000
        }
        for index in 1...edits {
            _ = try await edit(a.url, session: sessionA, notes: "idle sample \(index)")
            try await Task.sleep(for: .milliseconds(20))
        }
        // B has every edit before the idle window starts.
        let last = "idle sample \(edits)"
        let deadline = monotonicSeconds() + 60
        while true {
            let response = try? await client.response(
                for: HTTPClientRequest(
                    url: b.url + "/api/orders/" + order, headers: sessionB, acceptedStatuses: 200..<500))
            if let response, response.status.code == 200, String(decoding: response.body, as: UTF8.self).contains(last)
            {
                break
            }
            guard monotonicSeconds() < deadline else {
                throw BenchError("B never received A's edits; see \(directory)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let before = try ProcessUsage(pid: b.pid)
        try await Task.sleep(for: .seconds(idleSeconds))
        let after = try ProcessUsage(pid: b.pid)
        // What an idle daemon gave back is mapped again by the first request after it.
        let firstEdit = try await edit(b.url, session: sessionB, notes: "after the idle window")
        var warm = Samples()
        for index in 1...warmEdits {
            try await Task.sleep(for: .milliseconds(20))
            warm.append(try await edit(b.url, session: sessionB, notes: "warm \(index)"))
        }
        return IdleResult(
            usage: after, cpuPercent: (after.cpuSeconds - before.cpuSeconds) / idleSeconds * 100,
            startupSeconds: startupSeconds, firstEditMilliseconds: firstEdit, warmEditMilliseconds: warm.median)
    }
}
