import Foundation
import Synchronization
import TestSupport
import Testing

/// A long-running `kct` process (`kct central serve`, `kct node run`) started with
/// `--listen 127.0.0.1:PORT`: ready once it printed its one `… listening on http://…` line.
/// stderr goes to a log file kept beside the data, quoted when a wait fails.
final class KCTServer {
    /// What the process wrote to stdout, and whether it has exited; shared with Foundation's
    /// handler threads, hence the mutex.
    final class Output: Sendable {
        struct State {
            var text = ""
            var exited = false
        }
        let state = Mutex(State())
        /// Signalled on every chunk of output and on exit, so a waiter re-checks only then.
        let changed = DispatchSemaphore(value: 0)

        func append(_ data: Data) {
            state.withLock { $0.text += String(decoding: data, as: UTF8.self) }
            changed.signal()
        }

        func markExited() {
            state.withLock { $0.exited = true }
            changed.signal()
        }
    }

    let name: String
    let arguments: [String]
    let environment: [String: String]
    let logPath: String
    private let process = Process()
    private let output = Output()
    private(set) var url = ""

    /// Starts `kct arguments…` and waits (up to `readyTimeout`) for the line starting with
    /// `readyPrefix` followed by the URL.
    init(
        name: String, arguments: [String], environment: [String: String], logPath: String, readyPrefix: String,
        readyTimeout: TimeInterval = 30
    ) throws {
        self.name = name
        self.arguments = arguments
        self.environment = environment
        self.logPath = logPath
        process.executableURL = KCTProcess.executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if !FileManager.default.fileExists(atPath: logPath) {
            FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        log.write(Data("--- \(name): kct \(arguments.joined(separator: " "))\n".utf8))
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        process.standardOutput = stdout
        let output = self.output
        // Drained for the whole life of the process, so a chatty server never blocks on a full pipe.
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(data) }
        }
        process.terminationHandler = { _ in output.markExited() }
        try process.run()
        try log.close()
        url = try waitForReadyLine(prefix: readyPrefix, timeout: readyTimeout)
    }

    deinit { killNow() }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// 127.0.0.1:PORT of `url`, to restart on the same address.
    var listenAddress: String { String(url.dropFirst("http://".count)) }

    private func waitForReadyLine(prefix: String, timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (text, exited) = output.state.withLock { ($0.text, $0.exited) }
            for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
                let url = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
                if url.hasPrefix("http://127.0.0.1:") { return url }
            }
            if exited {
                throw Failure(
                    "\(name) exited (status \(process.terminationStatus)) before printing '\(prefix)…'; stdout: "
                        + "\(text)\nlog:\n\(logTail())"
                )
            }
            if output.changed.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .timedOut {
                killNow()
                throw Failure(
                    "\(name) printed no '\(prefix)…' line within \(Int(timeout)) s; stdout: \(text)\n"
                        + "log:\n\(logTail())"
                )
            }
        }
    }

    /// SIGTERM, then waits up to `timeout` for the exit; SIGKILL if it does not come. Returns the
    /// exit status, nil when it had to be killed.
    @discardableResult
    func stop(timeout: TimeInterval = 15) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        if waitForExit(timeout: timeout) {
            return process.terminationReason == .exit ? process.terminationStatus : nil
        }
        killNow()
        return nil
    }

    /// SIGKILL: no chance to finish anything. Waits for the exit.
    func killNow() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if output.changed.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow)) == .timedOut {
                return !process.isRunning
            }
        }
        process.waitUntilExit()
        return true
    }

    func logTail(_ bytes: Int = 4_000) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(text.suffix(bytes))
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
