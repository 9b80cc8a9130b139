import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP client for sending arbitrary bytes; use only inside `onOwnThread`.
final class RawSocket {
    struct Failure: Error, CustomStringConvertible {
        let operation: String
        let code: Int32
        var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    let descriptor: Int32

    init(port: Int, receiveTimeout: Duration = .seconds(30)) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(operation: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw Failure(operation: "connect", code: code)
        }
        let seconds = receiveTimeout.components.seconds
        var timeout = timeval(
            tv_sec: Int(seconds), tv_usec: Int(receiveTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(descriptor) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw Failure(operation: "send", code: errno) }
            offset += sent
        }
    }

    /// Closes our sending side (the server sees EOF) but keeps reading.
    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads until the server closes the connection (or the receive timeout, which throws).
    func readUntilClosed() throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count < 0 {
                // A signal to the test process (a child exiting) interrupts a receive with a
                // timeout instead of restarting it.
                if errno == EINTR { continue }
                if errno == ECONNRESET { break }
                throw Failure(operation: "recv", code: errno)
            }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until `count` complete responses (by Content-Length) have arrived.
    func readResponses(_ count: Int) throws -> [String] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let responses = Self.splitResponses(received)
            if responses.count >= count { return responses }
            let got = recv(descriptor, &buffer, buffer.count, 0)
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                throw Failure(operation: "recv after \(responses.count) responses", code: got == 0 ? ECONNRESET : errno)
            }
            received += buffer[0..<got]
        }
    }

    /// Splits complete Content-Length-framed responses (heads and bodies) off the front of `bytes`.
    static func splitResponses(_ bytes: [UInt8]) -> [String] {
        var responses: [String] = []
        var rest = bytes[...]
        let separator = Array("\r\n\r\n".utf8)
        while let headEnd = rest.firstRange(of: separator) {
            let head = String(decoding: rest[rest.startIndex..<headEnd.lowerBound], as: UTF8.self)
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            let bodyEnd = headEnd.upperBound + length
            guard bodyEnd <= rest.endIndex else { break }
            responses.append(String(decoding: rest[rest.startIndex..<bodyEnd], as: UTF8.self))
            rest = rest[bodyEnd...]
        }
        return responses
    }
}

/// Runs the `curl` command-line tool; returns its standard output and exit status.
func runCurl(_ arguments: [String]) async throws -> (output: String, status: Int32) {
    try await onOwnThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["--silent", "--show-error", "--max-time", "20"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readAllTolerantly()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }
}
