import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension FileHandle {
    /// Everything until end of file, for a child process's output pipe. Unlike Foundation's
    /// `readDataToEndOfFile()` (a `try!` inside), a read that fails with EAGAIN — seen once in a
    /// full run, when the pipe had become non-blocking — waits with poll(2) and goes on, and any
    /// other error ends the read instead of crashing every test in the process.
    package func readAllTolerantly() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let fd = fileDescriptor
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 {
                return data
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, 1_000)
            } else {
                return data
            }
        }
    }
}
