import Foundation

/// The token of the CLI's session, one line in `$DATA_DIR/session`, readable only by its
/// owner (0600; the data directory itself is 0700). The replica keeps only its SHA-256.
struct SessionFile {
    let path: String

    init(directory: String) {
        path = (directory as NSString).appendingPathComponent("session")
    }

    func read() throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            return token.isEmpty ? nil : token
        } catch {
            throw CLIError("cannot read \(path): \(error.localizedDescription)", exitCode: ExitCodes.storage)
        }
    }

    /// Writes the token to a new file created 0600, then renames it over the old one, so the
    /// token is never readable by others, not even for a moment.
    func write(_ token: String) throws {
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CLIError(
                "cannot create \(temporary): \(String(cString: strerror(errno)))", exitCode: ExitCodes.storage)
        }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))", exitCode: ExitCodes.storage)
        }
    }

    func remove() {
        unlink(path)
    }
}
