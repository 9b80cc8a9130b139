import Foundation

/// The `kct` binary built beside `kct-bench` (same configuration), run as separate processes by
/// the sync suite: central and node daemons are measured as they are deployed.
enum KCTBinary {
    static let path: String = {
        let me =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("kct").path
    }()

    /// A suite's work directory under `options.workDirectory`, created, for a suite that runs the
    /// `kct` binary; fails at once when there is no `kct` beside kct-bench.
    static func workDirectory(_ options: BenchOptions, suite: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BenchError("no kct binary at \(path); build every product (swift build -c release)")
        }
        let root = (options.workDirectory as NSString).appendingPathComponent(suite)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    /// Runs `kct arguments…` to completion; stdout, or an error with stderr on a non-zero exit.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError(
                "kct \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                    + "\(String(decoding: errData, as: UTF8.self))"
            )
        }
        return String(decoding: outData, as: UTF8.self)
    }
}

/// A `kct central serve` / `kct node run` process, ready once it printed its listening line.
/// stderr is appended to `logPath`; stdout is drained for the process's life.
final class KCTServerProcess {
    let process = Process()
    let url: String

    init(_ arguments: [String], environment: [String: String] = [:], logPath: String, readyPrefix: String) throws {
        process.executableURL = URL(fileURLWithPath: KCTBinary.path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        try log.close()
        // Blocking reads until the ready line (or end of output: the process died).
        let reader = out.fileHandleForReading
        var text = ""
        var found: String?
        while found == nil {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            found = text.split(separator: "\n").first { $0.hasPrefix(readyPrefix) }
                .map { String($0.dropFirst(readyPrefix.count)).trimmingCharacters(in: .whitespaces) }
        }
        guard let found else {
            process.waitUntilExit()
            throw BenchError("kct \(arguments.joined(separator: " ")) exited before '\(readyPrefix)'; see \(logPath)")
        }
        url = found
        reader.readabilityHandler = { handle in
            if handle.availableData.isEmpty { handle.readabilityHandler = nil }
        }
    }

    deinit { stop() }

    var pid: Int32 { process.processIdentifier }

    /// SIGTERM and wait.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

/// Resident memory and CPU time of a process, from /proc.
struct ProcessUsage {
    var residentKiB: Int
    /// The resident pages that are anonymous memory (heap, stacks, relocated data) and those
    /// mapped from files (the binary's and shared libraries' pages); they add up to `residentKiB`.
    var anonymousKiB: Int, fileKiB: Int
    var cpuSeconds: Double

    init(pid: Int32) throws {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func kibibytes(_ field: String) throws -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
                let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            else { throw BenchError("no \(field) in /proc/\(pid)/status") }
            return kib
        }
        residentKiB = try kibibytes("VmRSS")
        anonymousKiB = try kibibytes("RssAnon")
        fileKiB = try kibibytes("RssFile")
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { throw BenchError("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchError("unreadable /proc/\(pid)/stat")
        }
        cpuSeconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
