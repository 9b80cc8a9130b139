import CLibUV
import EventLoop

/// Tells the daemon when a file in the replica's directory changes (inotify through
/// `uv_fs_event_t`), so edits made by `kct` in another process are noticed without polling.
/// The directory is watched rather than the `-wal` file because SQLite deletes and recreates that
/// file; events for other files are ignored. Events come in bursts (one per page written), so
/// the caller coalesces them.
final class ReplicaWatcher {
    private unowned let loop: EventLoop
    private let handle: UnsafeMutableRawPointer
    private var handler: () -> Void
    private let fileNamePrefix: String
    private var isClosed = false

    /// Watches `directory` for changes to files whose names start with `fileNamePrefix`
    /// (the replica and its `-wal`/`-shm` companions).
    init(loop: EventLoop, directory: String, fileNamePrefix: String, handler: @escaping () -> Void) throws(UVError) {
        loop.assertInLoopThread()
        self.loop = loop
        self.handler = handler
        self.fileNamePrefix = fileNamePrefix
        handle = uvAllocateHandle(UV_FS_EVENT)
        let event = handle.assumingMemoryBound(to: uv_fs_event_t.self)
        let initResult = uv_fs_event_init(loop.uvLoop, event)
        if initResult < 0 {
            handle.deallocate()
            throw UVError(code: initResult, operation: "uv_fs_event_init")
        }
        uvAttach(self, to: handle)
        let startResult = uv_fs_event_start(event, replicaDirectoryChanged, directory, 0)
        if startResult < 0 {
            close()
            throw UVError(code: startResult, operation: "uv_fs_event_start(\(directory))")
        }
        // Watching alone must not keep the loop alive (the daemon's shutdown closes it anyway).
        uv_unref(handle.uvHandle)
    }

    fileprivate func changed(fileName: String?) {
        guard !isClosed else { return }
        // Without a name (some kernels, overflow) it may have been the replica: check.
        if let fileName, !fileName.hasPrefix(fileNamePrefix) { return }
        handler()
    }

    func close() {
        loop.assertInLoopThread()
        guard !isClosed else { return }
        isClosed = true
        handler = {}
        uvCloseHandle(handle)
    }
}

private let replicaDirectoryChanged: uv_fs_event_cb = { handle, fileName, _, status in
    guard let handle, status >= 0 else { return }
    uvOwner(of: handle, as: ReplicaWatcher.self).changed(fileName: fileName.map { String(cString: $0) })
}
