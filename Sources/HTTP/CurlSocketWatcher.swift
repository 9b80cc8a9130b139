import CCurl
import CLibUV
import EventLoop

/// The `uv_poll_t` watching one of curl's sockets; created when curl first asks about the
/// socket and closed when curl says CURL_POLL_REMOVE (or the client closes).
final class CurlSocketWatcher {
    unowned let client: HTTPClient
    let socket: curl_socket_t
    private let handle: UnsafeMutableRawPointer
    private var isClosed = false

    init?(client: HTTPClient, socket: curl_socket_t) {
        self.client = client
        self.socket = socket
        handle = uvAllocateHandle(UV_POLL)
        let result = uv_poll_init_socket(client.loop.uvLoop, handle.assumingMemoryBound(to: uv_poll_t.self), socket)
        if result < 0 {
            handle.deallocate()
            return nil
        }
        uvAttach(self, to: handle)
    }

    func watch(_ events: Int32) {
        guard !isClosed else { return }
        uv_poll_start(handle.assumingMemoryBound(to: uv_poll_t.self), events, socketReady)
    }

    fileprivate func ready(status: Int32, events: Int32) {
        guard !isClosed else { return }
        var flags: Int32 = 0
        if status < 0 {
            flags = CURL_CSELECT_ERR
        } else {
            if events & Int32(UV_READABLE.rawValue) != 0 { flags |= CURL_CSELECT_IN }
            if events & Int32(UV_WRITABLE.rawValue) != 0 { flags |= CURL_CSELECT_OUT }
        }
        client.socketAction(socket, flags)
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        uvCloseHandle(handle)
    }
}

private let socketReady: uv_poll_cb = { handle, status, events in
    guard let handle else { return }
    uvOwner(of: handle, as: CurlSocketWatcher.self).ready(status: status, events: events)
}
