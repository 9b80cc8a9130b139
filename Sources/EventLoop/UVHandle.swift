import CLibUV

/// Memory for libuv handles and requests. A handle's memory may only be freed in its close
/// callback (libuv still touches it until then), so every handle here is allocated raw, gets its
/// owner retained in `data`, and is released and freed by `closeHandle`.
enum UVMemory {
    static func allocateHandle(_ type: uv_handle_type) -> UnsafeMutableRawPointer {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: uv_handle_size(type), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: uv_handle_size(type))
        return pointer
    }

    static func allocateRequest(_ type: uv_req_type) -> UnsafeMutableRawPointer {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: uv_req_size(type), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: uv_req_size(type))
        return pointer
    }
}

extension UnsafeMutableRawPointer {
    /// This memory seen as the libuv base handle type (every handle struct starts with its fields).
    @inline(__always) package var uvHandle: UnsafeMutablePointer<uv_handle_t> {
        assumingMemoryBound(to: uv_handle_t.self)
    }
    @inline(__always) package var uvStream: UnsafeMutablePointer<uv_stream_t> {
        assumingMemoryBound(to: uv_stream_t.self)
    }
}

/// Retains `owner` in the handle's `data` until the handle is closed with `closeHandle`.
package func uvAttach(_ owner: AnyObject, to handle: UnsafeMutableRawPointer) {
    uv_handle_set_data(handle.uvHandle, Unmanaged.passRetained(owner).toOpaque())
}

/// The owner stored by `uvAttach`, without changing its retain count.
@inline(__always)
package func uvOwner<Owner: AnyObject>(of handle: UnsafeRawPointer, as type: Owner.Type) -> Owner {
    let data = uv_handle_get_data(handle.assumingMemoryBound(to: uv_handle_t.self))!
    return Unmanaged<Owner>.fromOpaque(data).takeUnretainedValue()
}

/// Closes a handle allocated by `UVMemory.allocateHandle` and attached with `uvAttach`: the close
/// callback releases the owner and frees the memory, exactly once.
package func uvCloseHandle(_ handle: UnsafeMutableRawPointer) {
    precondition(uv_is_closing(handle.uvHandle) == 0, "libuv handle closed twice")
    uv_close(handle.uvHandle, releaseOnClose)
}

/// Allocates a zeroed libuv handle of `type`; pair with `uvAttach` and `uvCloseHandle`.
package func uvAllocateHandle(_ type: uv_handle_type) -> UnsafeMutableRawPointer {
    UVMemory.allocateHandle(type)
}

private let releaseOnClose: uv_close_cb = { handle in
    guard let handle else { return }
    if let data = uv_handle_get_data(handle) {
        Unmanaged<AnyObject>.fromOpaque(data).release()
    }
    UnsafeMutableRawPointer(handle).deallocate()
}

extension Duration {
    /// Whole milliseconds, rounded up so a positive delay never becomes 0 ("now").
    package var uvMilliseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let fromAtto = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return UInt64(seconds) * 1000 + UInt64(fromAtto)
    }
}
