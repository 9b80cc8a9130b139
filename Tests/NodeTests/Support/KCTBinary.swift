import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The built `kct` executable run in a data directory of its own, awaited from async tests
/// (the CLI tests' `KCTProcess` blocks its caller).
struct KCTBinary {
    typealias Result = KCTProcess.Result

    /// Found the same way as the CLI tests' (`KCTProcess.swift` is linked into this target).
    static var executable: URL { KCTProcess.executable }

    let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("kct-node-cli-\(UUID().uuidString)")
        .path

    func cleanUp() { try? FileManager.default.removeItem(atPath: dataDir) }

    private func process(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KCT_DATA_DIR"] = dataDir
        process.environment = environment
        return process
    }

    /// Runs to completion (on a thread of its own, so no task thread blocks on the child).
    func run(_ arguments: String...) async throws -> Result { try await run(arguments, stdin: nil) }

    /// Runs to completion with `stdin` as its standard input.
    func run(_ arguments: [String], stdin: String?) async throws -> Result {
        let process = process(arguments)
        return try await onOwnThread {
            let out = Pipe(), err = Pipe(), input = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = stdin == nil ? FileHandle.nullDevice : input
            try process.run()
            if let stdin {
                input.fileHandleForWriting.write(Data(stdin.utf8))
                try input.fileHandleForWriting.close()
            }
            let outData = out.fileHandleForReading.readAllTolerantly()
            let errData = err.fileHandleForReading.readAllTolerantly()
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                stderr: String(decoding: errData, as: UTF8.self))
        }
    }

    /// Starts a long-running command and returns it with its first line of stdout.
    func start(_ arguments: String...) async throws -> (process: RunningKCT, firstLine: String) {
        let process = process(arguments)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let running = RunningKCT(process: process)
        let line = try await onOwnThread { () -> String in
            var bytes: [UInt8] = []
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                bytes += chunk
                if bytes.contains(UInt8(ascii: "\n")) { break }
            }
            return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        }
        return (running, line)
    }
}

/// A `kct` process still running.
final class RunningKCT: @unchecked Sendable {
    // @unchecked Sendable: `Process` is only signalled and waited for; it is thread-safe for that.
    let process: Process

    init(process: Process) { self.process = process }

    /// Sends `signal` and waits for the exit status; a process still running after `grace` is
    /// killed (and the test then sees status 9 from the signal, not a hang).
    func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(30)) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        let pid = process.processIdentifier
        let killer = Task {
            try await Task.sleep(for: grace)
            kill(pid, SIGKILL)
        }
        defer { killer.cancel() }
        let process = self.process
        return try await onOwnThread {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }
}

/// Runs blocking work on a new thread and returns its result to the awaiting task.
func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
