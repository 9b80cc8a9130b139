import CPostgres

extension PostgresConnection {
    /// Reads what arrived on the socket and returns the notifications among it (channel, payload),
    /// for a connection that ran `LISTEN`. Call when the socket is readable; never blocks.
    package func drainNotifications() throws(PostgresError) -> [(channel: String, payload: String)] {
        let handle = rawHandle
        guard PQconsumeInput(handle) == 1 else { throw connectionError() }
        var notifications: [(channel: String, payload: String)] = []
        while let notify = PQnotifies(handle) {
            notifications.append((String(cString: notify.pointee.relname), String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return notifications
    }
}
