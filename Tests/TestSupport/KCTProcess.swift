import Foundation
import Testing

/// Runs the built `kct` binary in a fresh data directory.
package struct KCTProcess {
    package struct Result {
        package var status: Int32
        package var stdout: String
        package var stderr: String

        package init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }

        /// stdout parsed as JSON.
        package func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
        package func object() throws -> [String: Any] { try #require(try json() as? [String: Any]) }
        package func array() throws -> [[String: Any]] { try #require(try json() as? [[String: Any]]) }
    }

    /// The `kct` executable built beside this test bundle (`swift build --build-tests` builds
    /// every product), else the package's `.build/debug/kct`.
    package static let executable: URL = {
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

    package let dataDir: String

    package init() {
        dataDir =
            FileManager.default.temporaryDirectory.appendingPathComponent("kct-cli-tests-\(UUID().uuidString)").path
    }

    /// A replica in a directory of the caller's choosing (a node of a sync cluster).
    package init(dataDir: String) { self.dataDir = dataDir }

    package func cleanUp() { try? FileManager.default.removeItem(atPath: dataDir) }

    /// Runs `kct arguments...` with KCT_DATA_DIR set to this test's directory.
    @discardableResult
    package func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws
        -> Result
    {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KCT_DATA_DIR"] = dataDir
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        let outData = out.fileHandleForReading.readAllTolerantly()
        let errData = err.fileHandleForReading.readAllTolerantly()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    package func run(_ arguments: String..., stdin: String? = nil) throws -> Result { try run(arguments, stdin: stdin) }

    /// The password of every test account.
    package static let password = "correct horse battery"
    package static let admin = "tester@kct.example"

    /// Makes the first account of this standalone replica, an admin `tester@kct.example`, and
    /// signs it in. Each account and each sign-in costs a scrypt (~0.1 s): once per replica.
    package func signInAdmin() throws {
        let added = try run(
            ["users", "add", "--email", Self.admin, "--name", "Tester", "--role", "admin", "--password-stdin"],
            stdin: Self.password + "\n")
        try #require(added.status == 0, "users add failed: \(added.stderr)")
        try signIn(Self.admin)
    }

    /// Adds an account (as the signed-in admin) without signing it in.
    package func addAccount(_ email: String, role: String) throws {
        let added = try run(
            ["users", "add", "--email", email, "--name", email, "--role", role, "--password-stdin"],
            stdin: Self.password + "\n")
        try #require(added.status == 0, "users add failed: \(added.stderr)")
    }

    package func signIn(_ email: String) throws {
        let login = try run(["login", "--email", email, "--password-stdin"], stdin: Self.password + "\n")
        try #require(login.status == 0, "login failed: \(login.stderr)")
    }
}
