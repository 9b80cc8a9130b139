import Foundation
import TestSupport
import Testing

/// A small tmpfs mounted for one test (`mount -t tmpfs -o size=…`), so the disk really fills up
/// (ENOSPC) under a node's data directory or central's database. Needs root, as the tests and CI
/// run here; `isAvailable` says whether mounting works at all.
struct SmallDisk {
    let path: String
    var fillerPath: String { path + "/filler" }

    /// Whether this process may mount a tmpfs (tried once with a 1 MiB one).
    static let isAvailable: Bool = {
        guard let disk = try? SmallDisk(megabytes: 1) else { return false }
        disk.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kct-small-disk-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mounted = try Self.command("/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path)
        guard mounted.status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw Failure("cannot mount a tmpfs at \(path): \(mounted.output)")
        }
    }

    /// Unmounts (lazily, should a process still hold a file) and removes the mount point.
    func unmount() {
        _ = try? Self.command("/bin/umount", "-l", path)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes a filler file until the disk refuses with ENOSPC; returns the bytes written.
    @discardableResult
    func fill() throws -> Int {
        let descriptor = open(fillerPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure("cannot create \(fillerPath): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        var total = 0
        while true {
            let written = block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                guard errno == ENOSPC else { throw Failure("filling \(path): \(String(cString: strerror(errno)))") }
                return total
            }
            guard written > 0 else { return total }
            total += written
        }
    }

    /// Removes the filler file: the space is free again.
    func free() throws { try FileManager.default.removeItem(atPath: fillerPath) }

    /// `PRAGMA integrity_check` of the SQLite database at `database` by the sqlite3 CLI: "ok"
    /// when nothing is damaged.
    static func integrityCheck(_ database: String) throws -> String {
        let result = try command("/usr/bin/sqlite3", database, "PRAGMA integrity_check")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a program; its exit status and what it printed (stdout and stderr together).
    static func command(_ executable: String, _ arguments: String...) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readAllTolerantly()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
