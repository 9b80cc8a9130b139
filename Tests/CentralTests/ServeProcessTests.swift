import Foundation
import SyncCore
import TestSupport
import Testing

/// `kct central serve` as a process: the ready line on stdout, and a clean exit on signals.
@Suite struct ServeProcessTests {
    /// The `kct` executable built beside this test bundle, else the package's `.build/debug/kct`.
    static let executable: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kct")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(".build/debug/kct")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return besideTests
    }()

    /// Runs `kct ARGUMENTS` to the end; `input` (if any) is its standard input, else it has none.
    static func run(_ arguments: [String], input: String? = nil) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readAllTolerantly()
        let stderr = err.fileHandleForReading.readAllTolerantly()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func printsTheReadyLineAndExitsCleanlyOnASignal(signal: Int32) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try Self.run(["central", "init", "--db", directory.database]).status == 0)
        let added = try Self.run(["central", "add-node", "--db", directory.database, "--name", "W1", "--shop", "S01"])
        #expect(added.status == 0 && added.stdout.hasPrefix("token: kct_"))

        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["central", "serve", "--db", directory.database, "--listen", "127.0.0.1:0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The ready line, read byte by byte so nothing after it is consumed.
        var line: [UInt8] = []
        while let byte = try out.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        let prefix = "central listening on http://127.0.0.1:"
        #expect(text.hasPrefix(prefix))
        let port = try #require(Int(text.dropFirst(prefix.count)))
        #expect(port > 0)
        // A second server on the same file is refused while the first runs.
        let second = try Self.run(["central", "serve", "--db", directory.database, "--listen", "127.0.0.1:0"])
        #expect(second.status != 0 && second.stderr.contains("already being served"))
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test func adminErrorsAreOneLineWithNonZeroExit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = try Self.run(["central", "nodes", "--db", directory.database])
        #expect(missing.status != 0 && missing.stderr.split(separator: "\n").count == 1)
        _ = try Self.run(["central", "init", "--db", directory.database])
        let again = try Self.run(["central", "init", "--db", directory.database])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        let reserved = try Self.run([
            "central", "add-node", "--db", directory.database, "--name", "central", "--shop", "S01",
        ])
        #expect(reserved.status != 0 && reserved.stderr.contains("reserved"))
        _ = try Self.run(["central", "add-node", "--db", directory.database, "--name", "W1", "--shop", "S01", "--json"])
        let duplicate = try Self.run([
            "central", "add-node", "--db", directory.database, "--name", "W1", "--shop", "S02",
        ])
        #expect(duplicate.status != 0 && duplicate.stderr.contains("already registered"))
        let revoked = try Self.run(["central", "revoke-node", "--db", directory.database, "--name", "W1"])
        #expect(revoked.status == 0)
        let listed = try Self.run(["central", "nodes", "--db", directory.database, "--json"])
        let nodes = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(nodes.count == 1 && nodes[0]["name"] as? String == "W1" && nodes[0]["revoked_at"] is String)
        let unknown = try Self.run(["central", "revoke-node", "--db", directory.database, "--name", "W9"])
        #expect(unknown.status != 0)
    }
}
