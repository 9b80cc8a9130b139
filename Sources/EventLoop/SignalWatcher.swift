import CLibUV

#if canImport(Glibc)
    import Glibc
#endif

/// A `uv_signal_t` that calls its handler on the loop thread each time the signal arrives. It does
/// not keep the loop alive. Used by `EventLoop.shutdownOnSignals`.
final class SignalWatcher {
    private let handle: UnsafeMutableRawPointer
    private var handler: (Int32) -> Void
    private var isClosed = false

    init(loop: EventLoop, signal: Int32, handler: @escaping (Int32) -> Void) throws(UVError) {
        loop.assertInLoopThread()
        self.handler = handler
        handle = UVMemory.allocateHandle(UV_SIGNAL)
        let signalHandle = handle.assumingMemoryBound(to: uv_signal_t.self)
        let initResult = uv_signal_init(loop.uvLoop, signalHandle)
        if initResult < 0 {
            handle.deallocate()
            throw UVError(code: initResult, operation: "uv_signal_init")
        }
        uvAttach(self, to: handle)
        let startResult = uv_signal_start(signalHandle, signalArrived, signal)
        if startResult < 0 {
            close()
            throw UVError(code: startResult, operation: "uv_signal_start(\(signal))")
        }
        // The signal mask is inherited across exec: a parent that blocks the signal in its
        // threads (test runners, some supervisors) would leave it pending forever. Unblock it on
        // the loop thread, where libuv's handler then runs.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        sigaddset(&unblocked, signal)
        let maskResult = pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        if maskResult != 0 {
            close()
            throw UVError(code: -maskResult, operation: "pthread_sigmask(SIG_UNBLOCK, \(signal))")
        }
        uv_unref(handle.uvHandle)
    }

    fileprivate func arrived(_ signal: Int32) { handler(signal) }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        handler = { _ in }
        uvCloseHandle(handle)
    }
}

private let signalArrived: uv_signal_cb = { handle, signal in
    guard let handle else { return }
    uvOwner(of: handle, as: SignalWatcher.self).arrived(signal)
}
