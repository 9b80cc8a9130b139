import CLibUV

#if canImport(Glibc)
    import Glibc
#endif

extension HTTPConnection {
    /// Whether the accepted socket's peer is a loopback address (127.0.0.0/8, ::1, or
    /// ::ffff:127.x.y.z), for endpoints that only answer on the machine itself. An address that
    /// cannot be read counts as not loopback.
    static func peerIsLoopback(_ tcp: UnsafeMutablePointer<uv_tcp_t>) -> Bool {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(tcp, $0, &length) }
        }
        guard result == 0 else { return false }
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            }
            return UInt32(bigEndian: address) >> 24 == 127
        case AF_INET6:
            let bytes = withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    withUnsafeBytes(of: address.pointee.sin6_addr) { Array($0) }
                }
            }
            let loopback6 = bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
            let mappedLoopback4 =
                bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
            return loopback6 || mappedLoopback4
        default:
            return false
        }
    }
}
